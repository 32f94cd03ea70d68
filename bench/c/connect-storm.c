/*
 * Connection set-up storm for bench/connect-storm.ts: opens N client connections to a
 * server over raw sockets, each the full handshake a client makes (read INFO, send
 * CONNECT + PING, read PONG), keeps them all open, then closes them all. A C client so
 * the client costs far less than the server per connection (the Node bench client was
 * the limit: 0.73-1.10 against nats-server from run to run).
 *
 *   connect-storm HOST PORT N [--parallel P]
 *
 * P threads (4 by default) each open N/P connections one after another. Prints one JSON
 * line: conns, parallel, setup_s, conns_per_sec, close_s, client_cpu_s.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_PARALLEL 64
#define IO_TIMEOUT_S 30

static const char CONNECT[] = "CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1,\"lang\":\"c-storm\"}\r\nPING\r\n";

struct worker {
  struct sockaddr_in addr;
  int count;
  int *fds;
  int failed;
};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads until `want` has been seen in the stream (it may straddle reads); 0 on success. */
static int read_until(int fd, const char *want) {
  char buf[4096];
  size_t have = 0;
  for (;;) {
    ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
    if (n <= 0) return -1;
    have += (size_t)n;
    buf[have] = 0;
    if (strstr(buf, want) != NULL) return 0;
    if (strstr(buf, "-ERR") != NULL) return -1;
    if (have > sizeof(buf) / 2) {
      /* Keep the tail: the marker may be split across reads. */
      size_t keep = 16;
      memmove(buf, buf + have - keep, keep);
      have = keep;
    }
  }
}

static int handshake(const struct sockaddr_in *addr) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  struct timeval tv = {IO_TIMEOUT_S, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) != 0 || read_until(fd, "\r\n") != 0 ||
      write(fd, CONNECT, sizeof(CONNECT) - 1) != (ssize_t)(sizeof(CONNECT) - 1) || read_until(fd, "PONG\r\n") != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static void *run_worker(void *arg) {
  struct worker *w = arg;
  for (int i = 0; i < w->count; i++) {
    w->fds[i] = handshake(&w->addr);
    if (w->fds[i] < 0) w->failed++;
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: connect-storm HOST PORT N [--parallel P]\n");
    return 2;
  }
  int n = atoi(argv[3]);
  int parallel = 4;
  for (int i = 4; i + 1 < argc; i += 2)
    if (strcmp(argv[i], "--parallel") == 0) parallel = atoi(argv[i + 1]);
  if (parallel < 1 || parallel > MAX_PARALLEL || n < parallel) {
    fprintf(stderr, "bad N or --parallel\n");
    return 2;
  }
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n + 64) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  struct worker ws[MAX_PARALLEL];
  pthread_t th[MAX_PARALLEL];
  int *fds = calloc((size_t)n, sizeof(int));
  int at = 0;
  for (int t = 0; t < parallel; t++) {
    memset(&ws[t], 0, sizeof(ws[t]));
    ws[t].addr.sin_family = AF_INET;
    ws[t].addr.sin_port = htons((uint16_t)atoi(argv[2]));
    inet_pton(AF_INET, argv[1], &ws[t].addr.sin_addr);
    ws[t].count = n / parallel + (t < n % parallel ? 1 : 0);
    ws[t].fds = fds + at;
    at += ws[t].count;
  }
  double t0 = now_s();
  for (int t = 0; t < parallel; t++) pthread_create(&th[t], NULL, run_worker, &ws[t]);
  int failed = 0;
  for (int t = 0; t < parallel; t++) {
    pthread_join(th[t], NULL);
    failed += ws[t].failed;
  }
  double setup = now_s() - t0;
  double t1 = now_s();
  for (int i = 0; i < n; i++)
    if (fds[i] >= 0) close(fds[i]);
  double closing = now_s() - t1;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
  printf("{\"conns\":%d,\"failed\":%d,\"parallel\":%d,\"setup_s\":%.6f,\"conns_per_sec\":%.1f,\"close_s\":%.6f,\"client_cpu_s\":%.4f}\n", n, failed, parallel, setup,
         (n - failed) / setup, closing, cpu);
  free(fds);
  return failed == 0 ? 0 : 1;
}

/*
 * Ingest load client for bench/compare.ts: one publisher (and optionally N subscribers)
 * that should never be the limit, so the server's ingest path is what is measured.
 *
 *   ingest URL MSGS SIZE [--subs N] [--raw] [--subject S]
 *
 * The publisher sends MSGS messages of SIZE bytes (one pre-built payload) and then
 * round-trips a PING: the time from the first byte to the PONG is the server's time to
 * take in every message. Two ways to publish:
 *   default  libnats natsConnection_Publish in a tight loop, one flush at the end;
 *   --raw    pre-encoded batches of PUB frames written to a plain socket (the client
 *            then costs almost nothing per message).
 * Subscribers are libnats async subscriptions with no pending limits; their time is
 * from the first publish until the last one has received every message.
 *
 * Prints one JSON line: mode, msgs, size, subs, pub_s, pub_msgs_per_sec, received,
 * sub_s, client_cpu_s (user+sys of this process: compare with pub_s to see whether
 * the client was the limit). Built at bench time (cc -O2 ingest.c -lnats).
 */
#include <arpa/inet.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SUBS 64
#define RAW_BATCH_BYTES (256 * 1024)
#define FLUSH_TIMEOUT_MS 120000
#define SUB_TIMEOUT_S 120.0

#define CHECK(what, s)                                                   \
  do {                                                                   \
    natsStatus _s = (s);                                                 \
    if (_s != NATS_OK) {                                                 \
      fprintf(stderr, "ingest: %s: %s\n", what, natsStatus_GetText(_s)); \
      exit(1);                                                           \
    }                                                                    \
  } while (0)

static atomic_long received_total;
static atomic_long subs_done;
static long expected_per_sub;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         (double)ru.ru_stime.tv_usec / 1e6;
}

/* One counter per subscription (its closure), so counting needs no lock. */
typedef struct {
  long n;
} SubCount;

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure) {
  SubCount *c = closure;
  (void)nc;
  (void)sub;
  natsMsg_Destroy(msg);
  atomic_fetch_add_explicit(&received_total, 1, memory_order_relaxed);
  if (++c->n == expected_per_sub) atomic_fetch_add(&subs_done, 1);
}

static natsConnection *connect_nats(const char *url) {
  natsOptions *opts = NULL;
  natsConnection *nc = NULL;
  CHECK("options", natsOptions_Create(&opts));
  CHECK("url", natsOptions_SetURL(opts, url));
  CHECK("no reconnect", natsOptions_SetAllowReconnect(opts, false));
  CHECK("pending", natsOptions_SetMaxPendingMsgs(opts, 1 << 20));
  CHECK("connect", natsConnection_Connect(&nc, opts));
  natsOptions_Destroy(opts);
  return nc;
}

/* host and port out of nats://host:port (IPv4 only: the bench talks to 127.0.0.1). */
static int raw_connect(const char *url) {
  const char *p = strstr(url, "://");
  char host[64];
  const char *colon;
  struct sockaddr_in sa;
  int fd, one = 1;
  p = p ? p + 3 : url;
  colon = strrchr(p, ':');
  if (colon == NULL || (size_t)(colon - p) >= sizeof(host)) {
    fprintf(stderr, "ingest: cannot parse %s\n", url);
    exit(1);
  }
  memcpy(host, p, (size_t)(colon - p));
  host[colon - p] = 0;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)atoi(colon + 1));
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
    fprintf(stderr, "ingest: not an IPv4 address: %s\n", host);
    exit(1);
  }
  fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    perror("ingest: connect");
    exit(1);
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

static void write_all(int fd, const char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w <= 0) {
      perror("ingest: write");
      exit(1);
    }
    buf += w;
    n -= (size_t)w;
  }
}

/* Reads until a PONG line, answering the server's PINGs; fails on -ERR or EOF. */
static void await_pong(int fd) {
  char buf[4096];
  size_t have = 0;
  for (;;) {
    ssize_t r = read(fd, buf + have, sizeof(buf) - 1 - have);
    char *line, *nl;
    if (r <= 0) {
      fprintf(stderr, "ingest: connection closed before PONG\n");
      exit(1);
    }
    have += (size_t)r;
    buf[have] = 0;
    line = buf;
    while ((nl = strstr(line, "\r\n")) != NULL) {
      *nl = 0;
      if (strcmp(line, "PONG") == 0) return;
      if (strcmp(line, "PING") == 0) write_all(fd, "PONG\r\n", 6);
      if (strncmp(line, "-ERR", 4) == 0) {
        fprintf(stderr, "ingest: server said %s\n", line);
        exit(1);
      }
      line = nl + 2;
    }
    have = (size_t)(buf + have - line);
    memmove(buf, line, have);
    if (have >= sizeof(buf) - 1) have = 0; /* an INFO longer than the buffer: skip it */
  }
}

/* Publishes over a plain socket in pre-encoded batches; returns the seconds to the PONG. */
static double publish_raw(const char *url, const char *subject, long msgs, int size, double *t0_out) {
  static const char hello[] = "CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"ingest\"}\r\nPING\r\n";
  char head[300];
  int fd = raw_connect(url);
  int headLen = snprintf(head, sizeof(head), "PUB %s %d\r\n", subject, size);
  size_t frame = (size_t)headLen + (size_t)size + 2;
  long perBatch = (long)(RAW_BATCH_BYTES / frame);
  char *batch;
  long sent = 0, i;
  double t0;
  if (perBatch < 1) perBatch = 1;
  batch = malloc((size_t)perBatch * frame);
  for (i = 0; i < perBatch; i++) {
    char *f = batch + (size_t)i * frame;
    memcpy(f, head, (size_t)headLen);
    memset(f + headLen, 'x', (size_t)size);
    memcpy(f + headLen + size, "\r\n", 2);
  }
  write_all(fd, hello, sizeof(hello) - 1);
  await_pong(fd);
  t0 = now_s();
  *t0_out = t0;
  while (sent < msgs) {
    long n = msgs - sent < perBatch ? msgs - sent : perBatch;
    write_all(fd, batch, (size_t)n * frame);
    sent += n;
  }
  write_all(fd, "PING\r\n", 6);
  await_pong(fd);
  free(batch);
  {
    double dt = now_s() - t0;
    close(fd);
    return dt;
  }
}

/* Publishes with libnats; returns the seconds from the first publish to the flush's PONG. */
static double publish_libnats(natsConnection *nc, const char *subject, long msgs, int size, double *t0_out) {
  char *payload = malloc((size_t)size + 1);
  long i;
  double t0;
  memset(payload, 'x', (size_t)size);
  t0 = now_s();
  *t0_out = t0;
  for (i = 0; i < msgs; i++) CHECK("publish", natsConnection_Publish(nc, subject, payload, size));
  CHECK("flush", natsConnection_FlushTimeout(nc, FLUSH_TIMEOUT_MS));
  free(payload);
  return now_s() - t0;
}

int main(int argc, char **argv) {
  const char *url, *subject = "bench.ingest";
  long msgs;
  int size, nsubs = 0, raw = 0, i;
  natsConnection *pub = NULL, *subConns[MAX_SUBS];
  natsSubscription *subs[MAX_SUBS];
  SubCount counts[MAX_SUBS];
  double pubS, subS = 0, t0 = 0;

  if (argc < 4) {
    fprintf(stderr, "usage: ingest URL MSGS SIZE [--subs N] [--raw] [--subject S]\n");
    return 2;
  }
  url = argv[1];
  msgs = atol(argv[2]);
  size = atoi(argv[3]);
  for (i = 4; i < argc; i++) {
    if (strcmp(argv[i], "--raw") == 0) raw = 1;
    else if (strcmp(argv[i], "--subs") == 0 && i + 1 < argc) nsubs = atoi(argv[++i]);
    else if (strcmp(argv[i], "--subject") == 0 && i + 1 < argc) subject = argv[++i];
    else {
      fprintf(stderr, "ingest: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (msgs < 1 || size < 0 || nsubs < 0 || nsubs > MAX_SUBS || strlen(subject) > 200) {
    fprintf(stderr, "ingest: bad arguments\n");
    return 2;
  }
  expected_per_sub = msgs;
  for (i = 0; i < nsubs; i++) {
    counts[i].n = 0;
    subConns[i] = connect_nats(url);
    CHECK("subscribe", natsConnection_Subscribe(&subs[i], subConns[i], subject, on_msg, &counts[i]));
    CHECK("no limits", natsSubscription_SetPendingLimits(subs[i], -1, -1));
    CHECK("sub flush", natsConnection_Flush(subConns[i]));
  }
  if (raw) {
    pubS = publish_raw(url, subject, msgs, size, &t0);
  } else {
    pub = connect_nats(url);
    pubS = publish_libnats(pub, subject, msgs, size, &t0);
  }
  if (nsubs > 0) {
    while (atomic_load(&subs_done) < nsubs && now_s() - t0 < SUB_TIMEOUT_S) usleep(200);
    subS = now_s() - t0;
  }
  printf("{\"mode\":\"%s\",\"msgs\":%ld,\"size\":%d,\"subs\":%d,\"pub_s\":%.6f,\"pub_msgs_per_sec\":%.1f,"
         "\"received\":%ld,\"sub_s\":%.6f,\"client_cpu_s\":%.4f}\n",
         raw ? "raw" : "libnats", msgs, size, nsubs, pubS, (double)msgs / pubS, atomic_load(&received_total), subS,
         cpu_s());
  fflush(stdout);
  if (pub) natsConnection_Destroy(pub);
  for (i = 0; i < nsubs; i++) {
    natsSubscription_Destroy(subs[i]);
    natsConnection_Destroy(subConns[i]);
  }
  nats_Close();
  return atomic_load(&subs_done) < nsubs ? 1 : 0;
}

/*
 * Interop check with the official NATS C client (libnats, Debian libnats-dev): core
 * features exercised against whatever server URL is given. Prints one "ok" line per
 * check; any failure prints "FAIL <what> <status>" and exits 1.
 * Built and run by test/interop/c-client.test.ts.
 */
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(what, s)                                                   \
  do {                                                                   \
    natsStatus _s = (s);                                                 \
    if (_s != NATS_OK) {                                                 \
      printf("FAIL %s %s\n", what, natsStatus_GetText(_s));              \
      exit(1);                                                           \
    }                                                                    \
  } while (0)

static void onRequest(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure) {
  char reply[256];
  (void)sub;
  (void)closure;
  snprintf(reply, sizeof(reply), "echo:%.*s", natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
  natsConnection_PublishString(nc, natsMsg_GetReply(msg), reply);
  natsMsg_Destroy(msg);
}

int main(int argc, char **argv) {
  natsConnection *nc = NULL;
  natsOptions *opts = NULL;
  natsSubscription *sub = NULL, *wild = NULL, *svc = NULL, *q1 = NULL, *q2 = NULL;
  natsMsg *msg = NULL;
  int i, n1 = 0, n2 = 0;
  const int N = 100;

  if (argc < 2) {
    printf("usage: client URL\n");
    return 2;
  }
  CHECK("options", natsOptions_Create(&opts));
  CHECK("url", natsOptions_SetURL(opts, argv[1]));
  CHECK("connect", natsConnection_Connect(&nc, opts));
  printf("connect ok\n");

  /* Plain pub/sub, in order. */
  CHECK("sub", natsConnection_SubscribeSync(&sub, nc, "c.test"));
  for (i = 0; i < N; i++) {
    char buf[16];
    snprintf(buf, sizeof(buf), "%d", i);
    CHECK("pub", natsConnection_PublishString(nc, "c.test", buf));
  }
  for (i = 0; i < N; i++) {
    char want[16];
    CHECK("next", natsSubscription_NextMsg(&msg, sub, 2000));
    snprintf(want, sizeof(want), "%d", i);
    if ((int)strlen(want) != natsMsg_GetDataLength(msg) || strncmp(want, natsMsg_GetData(msg), strlen(want)) != 0) {
      printf("FAIL order got %.*s want %s\n", natsMsg_GetDataLength(msg), natsMsg_GetData(msg), want);
      return 1;
    }
    natsMsg_Destroy(msg);
  }
  printf("pubsub ok %d\n", N);

  /* Wildcards. */
  CHECK("wild", natsConnection_SubscribeSync(&wild, nc, "c.*.x"));
  CHECK("pub a", natsConnection_PublishString(nc, "c.a.x", "1"));
  CHECK("pub b", natsConnection_PublishString(nc, "c.a.y", "2"));
  CHECK("pub c", natsConnection_PublishString(nc, "c.b.x", "3"));
  CHECK("next wild 1", natsSubscription_NextMsg(&msg, wild, 2000));
  printf("wildcard %s", natsMsg_GetSubject(msg));
  natsMsg_Destroy(msg);
  CHECK("next wild 2", natsSubscription_NextMsg(&msg, wild, 2000));
  printf(" %s ok\n", natsMsg_GetSubject(msg));
  natsMsg_Destroy(msg);

  /* Headers. */
  {
    natsMsg *out = NULL;
    const char *val = NULL;
    CHECK("msg create", natsMsg_Create(&out, "c.test", NULL, "with-headers", 12));
    CHECK("hdr set", natsMsgHeader_Set(out, "X-Trace", "abc-123"));
    CHECK("pub msg", natsConnection_PublishMsg(nc, out));
    natsMsg_Destroy(out);
    CHECK("next hdr", natsSubscription_NextMsg(&msg, sub, 2000));
    CHECK("hdr get", natsMsgHeader_Get(msg, "X-Trace", &val));
    printf("headers %s %.*s ok\n", val, natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
    natsMsg_Destroy(msg);
  }

  /* Request/reply. */
  CHECK("svc", natsConnection_Subscribe(&svc, nc, "c.svc", onRequest, NULL));
  CHECK("flush", natsConnection_Flush(nc));
  CHECK("request", natsConnection_RequestString(&msg, nc, "c.svc", "hello", 2000));
  printf("request %.*s ok\n", natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
  natsMsg_Destroy(msg);

  /* No responders: fails at once with NATS_NO_RESPONDERS. */
  {
    natsStatus s = natsConnection_RequestString(&msg, nc, "c.nobody", "x", 5000);
    if (s != NATS_NO_RESPONDERS) {
      printf("FAIL noresponders %s\n", natsStatus_GetText(s));
      return 1;
    }
    printf("noresponders ok\n");
  }

  /* Queue group: every message to exactly one member. */
  CHECK("q1", natsConnection_QueueSubscribeSync(&q1, nc, "c.work", "workers"));
  CHECK("q2", natsConnection_QueueSubscribeSync(&q2, nc, "c.work", "workers"));
  for (i = 0; i < N; i++) CHECK("pub work", natsConnection_PublishString(nc, "c.work", "w"));
  CHECK("flush work", natsConnection_Flush(nc));
  while (natsSubscription_NextMsg(&msg, q1, 200) == NATS_OK) {
    n1++;
    natsMsg_Destroy(msg);
  }
  while (natsSubscription_NextMsg(&msg, q2, 200) == NATS_OK) {
    n2++;
    natsMsg_Destroy(msg);
  }
  printf("queue total %d ok\n", n1 + n2);

  natsSubscription_Destroy(sub);
  natsSubscription_Destroy(wild);
  natsSubscription_Destroy(svc);
  natsSubscription_Destroy(q1);
  natsSubscription_Destroy(q2);
  natsConnection_Destroy(nc);
  natsOptions_Destroy(opts);
  nats_Close();
  printf("done\n");
  return 0;
}

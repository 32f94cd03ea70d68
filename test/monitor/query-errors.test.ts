/**
 * Bad monitoring queries answer as nats-server 2.9.10 answers them: the same HTTP status
 * and the same plain-text reason (Go's strconv errors, parameters checked in the same
 * order). The table runs against tsnats and, when installed, against nats-server, so it
 * stays true to the reference. Also: /healthz is compact JSON, JSONP `callback`, and the
 * closed-connection total is capped at the ring's size.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { freePort, natsServerBinary, startNatsServer, type RunningNatsServer } from "../helpers/nats-server.js";
import { startMonitored, type MonitoredServer } from "../micro/harness.js";
import { MAX_CLOSED_CLIENTS } from "../../src/server/server.js";

interface Case {
  path: string;
  status: number;
  /** The whole body (for 400s), or a prefix when `prefix` is set. */
  body: string;
  prefix?: boolean;
}

const atoi = (name: string, v: string, why = "invalid syntax"): string => `Error decoding int for '${name}': strconv.Atoi: parsing ${v}: ${why}`;
const bool = (name: string, v: string): string => `Error decoding boolean for '${name}': strconv.ParseBool: parsing ${v}: invalid syntax`;
const uint = (name: string, v: string, why = "invalid syntax"): string => `Error decoding uint64 for '${name}': strconv.ParseUint: parsing ${v}: ${why}`;

export const CASES: Case[] = [
  { path: "/connz?cid=abc", status: 400, body: uint("cid", '"abc"') },
  { path: "/connz?cid=-1", status: 400, body: uint("cid", '"-1"') },
  { path: "/connz?cid=%2B1", status: 400, body: uint("cid", '"+1"') },
  { path: "/connz?cid=99999999999999999999", status: 400, body: uint("cid", '"99999999999999999999"', "value out of range") },
  { path: "/connz?offset=x", status: 400, body: atoi("offset", '"x"') },
  { path: "/connz?offset=99999999999999999999", status: 400, body: atoi("offset", '"99999999999999999999"', "value out of range") },
  { path: "/connz?limit=1.5", status: 400, body: atoi("limit", '"1.5"') },
  { path: "/connz?limit=%20", status: 400, body: atoi("limit", '" "') },
  { path: "/connz?offset=%C3%A9", status: 400, body: atoi("offset", '"é"') },
  { path: "/connz?offset=%01", status: 400, body: atoi("offset", '"\\x01"') },
  { path: "/connz?offset=%22%5C", status: 400, body: atoi("offset", '"\\"\\\\"') },
  { path: "/connz?offset=%E2%80%8B", status: 400, body: atoi("offset", '"\\u200b"') },
  { path: "/connz?auth=x", status: 400, body: bool("auth", '"x"') },
  { path: "/connz?subs=x", status: 400, body: bool("subs", '"x"') },
  { path: "/connz?state=x", status: 400, body: "Error decoding state for x" },
  { path: "/connz?sort=x", status: 400, body: "invalid sorting option: x" },
  { path: "/connz?sort=stop", status: 400, body: "sort by stop only valid on closed connections" },
  { path: "/connz?sort=reason&state=all", status: 400, body: "sort by reason only valid on closed connections" },
  // nats-server checks auth, subs, offset, limit, cid, state, then sort.
  { path: "/connz?auth=x&subs=y", status: 400, body: bool("auth", '"x"') },
  { path: "/connz?sort=x&auth=y", status: 400, body: bool("auth", '"y"') },
  { path: "/connz?sort=stop&state=x", status: 400, body: "Error decoding state for x" },
  { path: "/connz?cid=x&limit=y", status: 400, body: atoi("limit", '"y"') },
  { path: "/connz?subs=DETAIL&state=Closed&cid=1", status: 200, body: "{\n", prefix: true },
  { path: "/subsz?subs=x", status: 400, body: bool("subs", '"x"') },
  { path: "/subsz?offset=x", status: 400, body: atoi("offset", '"x"') },
  { path: "/subsz?limit=x", status: 400, body: atoi("limit", '"x"') },
  { path: "/subsz?test=a.*", status: 400, body: "invalid test subject, must be valid publish subject: a.*" },
  { path: "/subsz?test=a.*&subs=q", status: 400, body: bool("subs", '"q"') },
  { path: "/accountz?acc=nope", status: 400, body: "Account nope does not exist" },
  { path: "/routez?subs=x", status: 400, body: bool("subs", '"x"') },
  { path: "/gatewayz?accs=x", status: 400, body: bool("accs", '"x"') },
  { path: "/leafz?subs=x", status: 400, body: bool("subs", '"x"') },
  { path: "/jsz?accounts=x", status: 400, body: bool("accounts", '"x"') },
  { path: "/jsz?config=x&accounts=y", status: 400, body: bool("accounts", '"y"') },
  { path: "/jsz?offset=x", status: 400, body: atoi("offset", '"x"') },
  { path: "/jsz?leader-only=x", status: 400, body: bool("leader-only", '"x"') },
  { path: "/healthz?js-enabled=x", status: 400, body: bool("js-enabled", '"x"') },
  { path: "/healthz?js-enabled-only=x", status: 400, body: bool("js-enabled-only", '"x"') },
  { path: "/healthz?js-server-only=x", status: 400, body: bool("js-server-only", '"x"') },
  { path: "/healthz", status: 200, body: '{"status":"ok"}' },
  { path: "/healthz?callback=cb", status: 200, body: 'cb({"status":"ok"})' },
  { path: "/varz?callback=cb", status: 200, body: "cb({\n", prefix: true },
];

async function check(base: string, c: Case): Promise<void> {
  const r = await fetch(`${base}${c.path}`);
  const body = await r.text();
  assert.equal(r.status, c.status, `${c.path}: ${body}`);
  if (c.prefix === true) assert.ok(body.startsWith(c.body), `${c.path}: ${body.slice(0, 80)}`);
  else assert.equal(body, c.body, c.path);
  if (c.status === 400) assert.equal(r.headers.get("content-type"), "text/plain; charset=utf-8", c.path);
  if (c.path.includes("callback=")) assert.equal(r.headers.get("content-type"), "application/javascript", c.path);
}

describe("monitoring query errors (tsnats)", () => {
  let s: MonitoredServer;
  before(async () => {
    s = await startMonitored();
  });
  after(() => s.close());

  test("every case", async () => {
    for (const c of CASES) await check(s.monitorURL, c);
  });

  test("the closed-connection total is capped at the ring's size, oldest dropped", async () => {
    const closed = s.server.closedClients;
    const extra = 200;
    for (let cid = 1; cid <= MAX_CLOSED_CLIENTS + extra; cid++) {
      closed.push({
        cid: 1_000_000 + cid,
        ip: "127.0.0.1",
        port: 1,
        startMs: Date.now(),
        stopMs: Date.now(),
        reason: "Client Closed",
        name: "",
        lang: "",
        version: "",
        user: "",
        account: "$G",
        inMsgs: 0,
        outMsgs: 0,
        inBytes: 0,
        outBytes: 0,
        subscriptions: [],
      });
    }
    const c = await s.get("/connz?state=closed&limit=1");
    assert.equal(c.total, MAX_CLOSED_CLIENTS);
    const first = (c.connections as Array<{ cid: number }>)[0]!;
    assert.equal(first.cid, 1_000_000 + extra + 1);
    assert.equal((await s.get(`/connz?state=closed&cid=${1_000_000 + extra}`)).total, 0, "an entry beyond the cap is gone");
    closed.length = 0;
  });
});

const bin = natsServerBinary();
describe("monitoring query errors (reference nats-server)", { skip: bin === null ? "nats-server not installed" : false }, () => {
  let ns: RunningNatsServer;
  let base = "";
  before(async () => {
    const mport = await freePort();
    ns = await startNatsServer(bin!, ["-m", String(mport)]);
    base = `http://127.0.0.1:${mport}`;
  });
  after(() => ns.stop());

  test("the same table holds for nats-server", async () => {
    for (const c of CASES) await check(base, c);
  });
});

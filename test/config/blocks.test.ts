/**
 * The blocks tsnats parses into typed options before it serves them: cluster, gateway,
 * leafnodes, websocket, mqtt, jetstream (server and account), operator mode, auth
 * callout and the tls block's newer keys. Each mapping is checked field by field; the
 * verdict table at the end runs every snippet through nats-server -t too (when it is
 * installed), so tsnats accepts and rejects exactly what nats-server does.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAccount, createOperator, encodeAccount, encodeOperator } from "@nats-io/jwt";
import { checkFailures, configToOptions, formatIssue, loadConfigFile, parseConfig, type ConfigResult } from "../../src/config/index.js";
import { resolveOptions, validateOptions } from "../../src/server/options.js";
import { makeCerts } from "../auth/certs.js";

const NATS_SERVER = process.env["NATS_SERVER"] ?? "/usr/sbin/nats-server";
const HAVE_NATS = existsSync(NATS_SERVER);
const dir = mkdtempSync(join(tmpdir(), "tsnats-blocks-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function map(src: string): ConfigResult {
  const parsed = parseConfig(src, { file: "t.conf" });
  assert.deepEqual(parsed.errors, [], parsed.errors.map(formatIssue).join("\n"));
  return configToOptions(parsed.tree, "t.conf");
}
const errors = (src: string): string[] => map(src).errors.map(formatIssue);
const warnings = (src: string): string[] => map(src).warnings.map((w) => w.message);
function opts(src: string): ConfigResult["options"] {
  const r = map(src);
  assert.deepEqual(r.errors.map(formatIssue), []);
  return r.options;
}

describe("cluster {}", () => {
  test("keys tsnats does not act on are warned about, never silently dropped", () => {
    assert.deepEqual(warnings("cluster { pool_size: 3, accounts: [A], compression: s2_fast }"), [
      'route compression "s2_fast" is not supported by tsnats, the connection runs uncompressed',
    ]);
    assert.deepEqual(warnings("cluster { pool_size: -1, accounts: [], compression: off }"), []);
    assert.deepEqual(warnings("cluster { compression: accept, ping_interval: 20s, ping_max: 3, write_deadline: 2s, connect_backoff: true }"), []);
    assert.deepEqual(warnings(`cluster { ping_interval: "1m" }`), ["Cluster 'ping_interval' will reset to 30s which is the max for routes"]);
    assert.deepEqual(warnings("leafnodes { compression: true, min_version: 2.9.0 }"), [
      'leafnode compression "s2_auto" is not supported by tsnats, the connection runs uncompressed',
      '"leafnodes.min_version" is not supported yet by tsnats, ignoring',
    ]);
    assert.deepEqual(warnings("leafnodes { compression: disabled, remotes: [ { url: nats://h:1, compression: s2_best, deny_exports: a, deny_imports: b } ] }"), [
      'leafnode compression "s2_best" is not supported by tsnats, the connection runs uncompressed',
      '"leafnodes.remotes.deny_exports" is not supported yet by tsnats, ignoring',
      '"leafnodes.remotes.deny_imports" is only sent to the hub: tsnats does not enforce it on its side',
    ]);
  });

  test("every key maps to ClusterOptions", () => {
    const c = opts(`cluster {
      name: "c1"
      listen: "127.0.0.1:6222"
      advertise: "r1:6222"
      no_advertise: true
      routes: [ nats-route://a:6222, nats-route://b:6222 ]
      authorization { user: ruser, password: rpass, timeout: 2 }
      permissions { import: ["a.>"], export: { allow: "b.>", deny: "b.secret" } }
      connect_retries: 3
      pool_size: 5
      accounts: [A, B]
      compression: { mode: s2_best, rtt_thresholds: ["10ms", "50ms"] }
      ping_interval: "30s"
      ping_max: 3
    }`).cluster;
    assert.deepEqual(c, {
      name: "c1",
      host: "127.0.0.1",
      port: 6222,
      advertise: "r1:6222",
      noAdvertise: true,
      routes: ["nats-route://a:6222", "nats-route://b:6222"],
      username: "ruser",
      password: "rpass",
      authTimeoutMs: 2000,
      permissions: { import: { allow: ["a.>"] }, export: { allow: ["b.>"], deny: ["b.secret"] } },
      connectRetries: 3,
      poolSize: 5,
      pinnedAccounts: ["A", "B"],
      compression: { mode: "s2_best", rttThresholdsMs: [10, 50] },
      pingIntervalMs: 30_000,
      pingMax: 3,
    });
  });

  test("defaults and the system account's pinned route come from resolveOptions", () => {
    const c = resolveOptions(opts("cluster { port: 6222 }")).cluster!;
    assert.deepEqual(
      [c.host, c.poolSize, c.compression.mode, c.pinnedAccounts, c.routes, c.noAdvertise],
      ["0.0.0.0", 3, "accept", ["$SYS"], [], false],
    );
    assert.deepEqual(resolveOptions(opts("system_account: SYS\ncluster { port: 1, accounts: [A] }")).cluster!.pinnedAccounts, ["A", "SYS"]);
    assert.equal(resolveOptions(opts("port: 1")).cluster, undefined);
    assert.equal(resolveOptions(opts("cluster { port: 1, pool_size: 0 }")).cluster!.poolSize, 3);
    assert.deepEqual(resolveOptions(opts("cluster { port: 1, pool_size: -1 }")).cluster!.pinnedAccounts, []);
  });

  test("pinned accounts are validated as nats-server validateClusterOpts does", () => {
    const problems = (src: string): string[] => validateOptions(resolveOptions(opts(src)));
    assert.deepEqual(problems("cluster { port: 1, pool_size: -1, accounts: [A] }"), ["pool_size cannot be negative if pinned accounts are specified"]);
    assert.deepEqual(problems("cluster { port: 1, accounts: [A, B, A] }"), ['found duplicate account name "A" in pinned accounts list ["A" "B" "A" "$SYS"]']);
    assert.deepEqual(problems("cluster { port: 1, pool_size: 5, accounts: [A] }"), []);
  });

  test("errors at file:line:col; a repeated route is a warning", () => {
    assert.deepEqual(errors('cluster {\n  bogus: 1\n  name: "a b"\n}'), ['t.conf:2:3: unknown field "bogus"']);
    assert.deepEqual(warnings('cluster { name: "a b" }')[0], "cluster name cannot contain spaces or new lines (nats-server 2.10+ refuses it)");
    assert.deepEqual(errors("cluster { authorization { users: [ {user: a} ] } }"), [
      "t.conf:1:25: Cluster authorization does not allow multiple users",
    ]);
    assert.deepEqual(errors("cluster { permissions { publish: a, allow_responses: true } }"), [
      "t.conf:1:23: Cluster permissions do not support dynamic responses",
    ]);
    assert.deepEqual(errors('cluster { routes: [ "nats://a:x" ] }'), [`t.conf:1:21: error parsing route url ["nats://a:x"]`]);
    assert.deepEqual(warnings("cluster { routes: [ nats://a:1, nats://a:1 ] }"), ["Duplicate route entry detected"]);
    assert.deepEqual(warnings("cluster { authorization { user: a, password: b, permissions: { publish: x } } }"), [
      'setting "permissions" within cluster authorization block is deprecated',
    ]);
  });
});

describe("gateway {}", () => {
  test("every key maps to GatewayOptions", () => {
    const g = opts(`gateway {
      name: A
      port: 7222
      host: 10.0.0.1
      advertise: "gw:7222"
      authorization { user: g, password: p }
      connect_retries: 2
      reject_unknown_cluster: true
      gateways: [
        { name: B, url: "nats://b:7222" }
        { name: C, urls: [ "nats://c1:7222", "nats://c2:7222" ] }
      ]
    }`).gateway;
    assert.deepEqual(g, {
      name: "A",
      port: 7222,
      host: "10.0.0.1",
      advertise: "gw:7222",
      username: "g",
      password: "p",
      connectRetries: 2,
      rejectUnknownCluster: true,
      gateways: [
        { name: "B", urls: ["nats://b:7222"] },
        { name: "C", urls: ["nats://c1:7222", "nats://c2:7222"] },
      ],
    });
  });

  test("errors", () => {
    assert.deepEqual(errors("gateway { authorization { token: t } }"), ["t.conf:1:25: Gateway authorization does not support tokens"]);
    assert.deepEqual(errors("gateway { gateways: [ { name: B, bogus: 1 } ] }"), ['t.conf:1:34: unknown field "bogus"']);
    assert.deepEqual(errors("gateway: 1"), ["t.conf:1:10: Expected gateway to be a map, got integer 1"]);
  });
});

describe("leafnodes {}", () => {
  test("every key maps to LeafNodeOptions; remotes get their defaults", () => {
    const o = opts(`leafnodes {
      listen: "0.0.0.0:7422"
      advertise: "leaf:7422"
      no_advertise: true
      authorization { users: [ {user: l1, password: p1, account: A}, {user: l2, password: p2} ], timeout: 3 }
      reconnect: "5s"
      remotes: [
        { url: "nats-leaf://hub:7422", account: A, credentials: "/c/a.creds", hub: true,
          deny_imports: ["x.>"], deny_exports: "y.>", ws_compression: true }
        { urls: [ "nats-leaf://h1:7422", "nats-leaf://h2:7422" ] }
      ]
    }`);
    assert.deepEqual(o.leafnodes, {
      host: "0.0.0.0",
      port: 7422,
      advertise: "leaf:7422",
      noAdvertise: true,
      users: [{ user: "l1", password: "p1", account: "A" }, { user: "l2", password: "p2" }],
      authTimeoutMs: 3000,
      reconnectMs: 5000,
      remotes: [
        { urls: ["nats-leaf://hub:7422"], account: "A", credentials: "/c/a.creds", hub: true, denyImports: ["x.>"], denyExports: ["y.>"], wsCompression: true },
        { urls: ["nats-leaf://h1:7422", "nats-leaf://h2:7422"] },
      ],
    });
    const l = resolveOptions(o).leafnodes!;
    assert.deepEqual([l.reconnectMs, l.compression.mode, l.remotes[1]!.hub, l.remotes[1]!.firstInfoTimeoutMs], [5000, "s2_auto", false, 1000]);
  });

  test("errors", () => {
    assert.deepEqual(errors("leafnodes { authorization { user: a, users: [ {user: b} ] } }"), [
      "t.conf:1:27: can not have a single user/pass and a users array",
    ]);
    assert.deepEqual(errors("leafnodes { authorization { users: [ {user: b}, {user: b} ] } }"), [
      't.conf:1:27: duplicate user "b" detected in leafnode authorization',
    ]);
    assert.deepEqual(errors("leafnodes { remotes: [ { url: nats://h:1, bogus: true } ] }"), ['t.conf:1:43: unknown field "bogus"']);
    // nats-server (2.9.10 to 2.14) has no allowed_connection_types for leafnode users: an unknown field.
    assert.deepEqual(errors('leafnodes { authorization { users: [ {user: a, password: b, allowed_connection_types: ["STANDARD"]} ] } }'), [
      't.conf:1:61: unknown field "allowed_connection_types"',
    ]);
    assert.deepEqual(errors('leafnodes { min_version: "2.7.0" }'), ["t.conf:1:26: the minimum version should be at least 2.8.0"]);
    assert.deepEqual(errors("leafnodes { remotes: [ { url: 5 } ] }"), ["t.conf:1:31: Expected remote leafnode url to be an array or string, got integer 5"]);
  });
});

describe("websocket {} and mqtt {}", () => {
  test("websocket keys map to WebsocketOptions", () => {
    const w = opts(`websocket {
      listen: "127.0.0.1:8080"
      advertise: "ws.example:443"
      no_tls: true
      compression: true
      same_origin: true
      allowed_origins: [ "https://a.example", "https://b.example" ]
      handshake_timeout: "3s"
      jwt_cookie: jwt
      no_auth_user: guest
      authorization { user: wsu, password: wsp, timeout: 2 }
    }`).websocket;
    assert.deepEqual(w, {
      host: "127.0.0.1",
      port: 8080,
      advertise: "ws.example:443",
      noTls: true,
      compression: true,
      sameOrigin: true,
      allowedOrigins: ["https://a.example", "https://b.example"],
      handshakeTimeoutMs: 3000,
      jwtCookie: "jwt",
      noAuthUser: "guest",
      username: "wsu",
      password: "wsp",
      authTimeoutMs: 2000,
    });
    assert.equal(opts("ws { port: 1, handshake_timeout: 4 }").websocket?.handshakeTimeoutMs, 4000);
    assert.deepEqual(resolveOptions(opts("websocket { port: 8080 }")).websocket, {
      host: "0.0.0.0",
      port: 8080,
      noTls: false,
      sameOrigin: false,
      compression: false,
    });
  });

  test("websocket errors: users belong in the main authorization block", () => {
    assert.deepEqual(errors("websocket { authorization { users: [] } }"), ['t.conf:1:29: unknown field "users"']);
    assert.deepEqual(errors("websocket { bogus: 1 }"), ['t.conf:1:13: unknown field "bogus"']);
    assert.deepEqual(errors("websocket { handshake_timeout: true }"), ["t.conf:1:32: error parsing handshake timeout: unsupported type bool true"]);
  });

  test("mqtt is parsed, keeps its warning, and checks its ranges", () => {
    const r = map('mqtt { port: 1883, ack_wait: "1m", max_ack_pending: 100, js_domain: hub }');
    assert.deepEqual(r.options.mqtt, { port: 1883, ackWaitMs: 60_000, maxAckPending: 100, jsDomain: "hub" });
    assert.deepEqual(r.warnings.map((w) => w.message), ['"mqtt" is not supported yet by tsnats, ignoring']);
    assert.deepEqual(errors("mqtt { max_ack_pending: 70000 }"), ["t.conf:1:25: invalid value 70000, should in [0..65535] range"]);
  });
});

describe("jetstream", () => {
  test("server block keys map to JetStreamOptions, with defaults from resolveOptions", () => {
    const o = opts(`jetstream {
      store_dir: "/data"
      max_memory_store: 1GB
      max_file_store: "10G"
      domain: hub
      sync_interval: "5s"
      max_buffered_msgs: 5000
      max_buffered_size: "64M"
      unique_tag: " AZ "
      max_outstanding_catchup: "32M"
      limits { max_ack_pending: 100, duplicate_window: "1m" }
    }`);
    assert.deepEqual([o.jetstream, o.storeDir], [true, "/data"]);
    assert.deepEqual(o.jetstreamOptions, {
      maxMemory: 1024 ** 3,
      maxStore: 10 * 1024 ** 3,
      domain: "hub",
      syncIntervalMs: 5000,
      maxBufferedMsgs: 5000,
      maxBufferedSize: 64 * 1024 ** 2,
      uniqueTag: "az",
      maxCatchup: 32 * 1024 ** 2,
      limits: { maxAckPending: 100, duplicateWindowMs: 60_000 },
    });
    assert.equal(opts('jetstream { sync_interval: "always" }').jetstreamOptions?.syncAlways, true);
    const d = resolveOptions({}).jetstreamOptions;
    assert.deepEqual([d.maxMemory, d.maxStore, d.syncIntervalMs, d.syncAlways, d.strict], [-1, -1, 120_000, false, true]);
  });

  test("errors, and the encryption key warns until the store supports it", () => {
    assert.deepEqual(errors('jetstream { cipher: "rot13" }'), ['t.conf:1:21: Unknown cipher type: "rot13"']);
    assert.deepEqual(errors('jetstream { max_file_store: "10X" }'), ["t.conf:1:29: max_file_store sizes defined as strings must end in K, M, G, T"]);
    assert.deepEqual(errors("jetstream { max_buffered_msgs: \"a\" }"), ['t.conf:1:32: Expected a parseable size for "max_buffered_msgs", got string "a"']);
    assert.deepEqual(warnings("jetstream { key: s3cr3t }"), ['"jetstream.key" is not supported yet by tsnats, ignoring']);
  });

  test("account jetstream: enabled, disabled, or limits (-1 where not given)", () => {
    const accounts = opts(`accounts {
      A { jetstream: enabled }
      B { jetstream: disabled }
      C { jetstream { max_mem: 1024, max_file: 2048, max_streams: 10, max_consumers: 100, max_bytes_required: true } }
    }`).accounts!;
    assert.deepEqual(accounts.map((a) => [a.name, a.jetstream, a.jetstreamLimits]), [
      ["A", true, undefined],
      ["B", false, undefined],
      ["C", true, { maxMemory: 1024, maxStore: 2048, maxStreams: 10, maxConsumers: 100, maxAckPending: -1, memoryMaxStreamBytes: -1, storeMaxStreamBytes: -1, maxBytesRequired: true }],
    ]);
    assert.deepEqual(errors("accounts { A { jetstream { max_mem: \"1G\" } } }"), ['t.conf:1:37: Expected a parseable size for "max_mem", got string "1G"']);
  });
});

describe("operator mode", () => {
  test("an inline or file operator JWT is decoded and verified; the server accepts it with a resolver", async () => {
    const okp = createOperator();
    const token = await encodeOperator("op", okp, { system_account: "ASYS", signing_keys: [] });
    const file = join(dir, "op.jwt");
    writeFileSync(file, `-----BEGIN NATS OPERATOR JWT-----\n${token}\n------END NATS OPERATOR JWT------\n`);
    for (const ref of [token, file]) {
      const o = opts(`operator: "${ref}"\nresolver: MEMORY`);
      assert.deepEqual(o.operators, [{ jwt: token, subject: okp.getPublicKey(), name: "op", systemAccount: "ASYS", signingKeys: [] }]);
      assert.deepEqual(o.resolver, { type: "memory" });
      assert.deepEqual(validateOptions(resolveOptions(o)), []);
      // nats-server validateTrustedOperators, with its words.
      assert.deepEqual(validateOptions(resolveOptions({ operators: o.operators! })), ["operators require an account resolver to be configured"]);
      assert.deepEqual(validateOptions(resolveOptions({ ...o, users: [{ user: "a", password: "b" }] })), ["operators do not allow users to be configured directly"]);
      assert.deepEqual(validateOptions(resolveOptions({ ...o, systemAccount: "AOTHER" })), ["system_account in config and operator JWT must be identical"]);
    }
  });

  test("bad operator JWTs, resolvers, preloads and trusted keys are errors", async () => {
    const acc = await encodeAccount("A", createAccount(), {}, { signer: createOperator() });
    assert.match(errors(`operator: "${acc}"`)[0]!, /^t\.conf:1:11: error parsing operator JWT: not an operator claim/);
    assert.match(errors('operator: "./no/such.jwt"')[0]!, /error parsing operator JWT: open \.\/no\/such\.jwt: no such file or directory/);
    assert.match(errors('operator: "eyJhbGciOi.x.y"')[0]!, /error parsing operator JWT/);
    assert.deepEqual(errors("resolver: FOO"), [
      't.conf:1:11: error parsing account resolver, should be MEM or  URL("url") or a map containing dir and type state=[FULL|CACHE])',
    ]);
    assert.deepEqual(errors('resolver { type: cache, dir: "/tmp", interval: "1m" }'), ["t.conf:1:10: CACHE does not accept sync"]);
    assert.deepEqual(errors('resolver { type: full, dir: "/tmp", ttl: "1m" }'), ["t.conf:1:10: FULL does not accept ttl"]);
    assert.deepEqual(errors("resolver { type: full }"), ["t.conf:1:10: dir has no value and needs to point to a directory"]);
    assert.deepEqual(errors("resolver_preload { ABC: notajwt }"), ["t.conf:1:25: invalid account JWT"]);
    assert.deepEqual(errors("trusted_keys: [ NOTAKEY ]"), ['t.conf:1:15: trust key "NOTAKEY" required to be a valid public operator nkey']);
  });

  test("resolver forms map to ResolverOptions", () => {
    assert.deepEqual(opts('resolver: URL("http://127.0.0.1:9090/jwt/v1/accounts/")').resolver, { type: "url", url: "http://127.0.0.1:9090/jwt/v1/accounts/" });
    assert.deepEqual(opts(`resolver { type: full, dir: "${dir}/jwt", allow_delete: true, interval: "2m", timeout: "3s" }`).resolver, {
      type: "full",
      dir: `${dir}/jwt`,
      allowDelete: true,
      hardDelete: false,
      intervalMs: 120_000,
      timeoutMs: 3000,
    });
    assert.deepEqual(opts(`resolver { type: cache, dir: "${dir}/c", ttl: "1h" }`).resolver, { type: "cache", dir: `${dir}/c`, limit: 1000, ttlMs: 3_600_000, timeoutMs: 1900 });
  });
});

describe("authorization { auth_callout }", () => {
  const issuer = createAccount().getPublicKey();
  test("maps to AuthCalloutOptions, which the server accepts (src/auth/callout)", () => {
    const o = opts(`authorization { users: [ {user: auth, password: pwd} ], auth_callout { issuer: ${issuer}, auth_users: [ auth ] } }`);
    assert.deepEqual(o.authCallout, { issuer, authUsers: ["auth"], account: "$G" });
    assert.deepEqual(validateOptions(resolveOptions(o)), []);
  });
  test("errors", () => {
    assert.deepEqual(errors("authorization { auth_callout { auth_users: [a] } }"), [
      "t.conf:1:30: Authorization callouts require an issuer to be specified",
    ]);
    assert.deepEqual(errors(`authorization { auth_callout { issuer: UABC, auth_users: [a] } }`), [
      't.conf:1:40: Expected callout user to be a valid public account nkey, got "UABC"',
    ]);
    assert.deepEqual(errors(`authorization { auth_callout { issuer: ${issuer}, auth_users: [a], allowed_accounts: [X] } }`), [
      't.conf:1:15: auth_callout allowed account "X" not found in configured accounts',
    ]);
  });
});

describe("tls {} keys beyond the basics", () => {
  test("cipher suites, curves, min_version, pinned certs, handshake_first forms", () => {
    const t = opts(`tls {
      cipher_suites: [ "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305" ]
      curve_preferences: [ "X25519", "CurveP256" ]
      min_version: "1.3"
      pinned_certs: [ "${"ab".repeat(32)}" ]
      handshake_first: "300ms"
    }`).tls;
    assert.deepEqual(t, {
      cipherSuites: ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305"],
      curvePreferences: ["X25519", "CurveP256"],
      minVersion: "1.3",
      pinnedCerts: ["ab".repeat(32)],
      handshakeFirst: true,
      handshakeFirstFallbackMs: 300,
    });
  });
  test("errors as nats-server's; insecure suites warn", () => {
    assert.deepEqual(errors("tls { cipher_suites: [] }"), ["t.conf:1:7: error parsing tls config, 'cipher_suites' cannot be empty"]);
    assert.deepEqual(errors('tls { curve_preferences: [ "P-256" ] }'), ["t.conf:1:28: unrecognized curve preference P-256"]);
    assert.deepEqual(errors('tls { min_version: "1.1" }'), ["t.conf:1:20: error parsing tls config: unsupported TLS version: TLS 1.1"]);
    assert.deepEqual(errors("tls { verify_cert_and_check_known_urls: true }"), ["t.conf:1:41: verify_cert_and_check_known_urls not supported in this context"]);
    assert.deepEqual(errors("cluster { tls { verify_cert_and_check_known_urls: true } }"), []);
    assert.ok(warnings('tls { cipher_suites: [ "TLS_RSA_WITH_RC4_128_SHA" ] }').some((w) => /insecure cipher suites configured/.test(w)));
  });
});

/**
 * Snippets and the verdict nats-server v2.9.10 gives them; tsnats must agree. Newer
 * keys are in the nats-server corpus test's exception list, not here.
 */
const VERDICTS: Array<[string, boolean]> = [
  ["cluster { name: c1, listen: 127.0.0.1:6222, routes: [nats-route://127.0.0.1:6223], no_advertise: true, connect_retries: 2 }", true],
  ["cluster { bogus: 1 }", false],
  ['cluster { name: "a b" }', true],
  ["cluster { authorization { user: a, password: b, timeout: 1 }, permissions { import: a, export: b } }", true],
  ["cluster { authorization { token: t } }", false],
  ["cluster { permissions { publish: a, allow_responses: true } }", false],
  ["gateway { name: A, port: 7222, gateways: [ { name: B, urls: [nats://b:7222] } ], reject_unknown_cluster: true }", true],
  ["gateway { gateways: [ { name: B, bogus: 1 } ] }", false],
  ["gateway { authorization { users: [] } }", false],
  ["leafnodes { port: 7422, authorization { account: A, users: [ {user: l, password: p, account: A} ] } }", true],
  ["leafnodes { remotes: [ { url: nats-leaf://h:7422, account: A, hub: true, deny_imports: a, ws_compression: true } ] }", true],
  ["leafnodes { remotes: [ { url: nats-leaf://h:7422, bogus: 1 } ] }", false],
  ["leafnodes { authorization { user: a, users: [ {user: b} ] } }", false],
  ['leafnodes { min_version: "2.7.0" }', false],
  ["websocket { port: 8080, no_tls: true, compression: true, same_origin: false, allowed_origins: [a], handshake_timeout: 2, jwt_cookie: j, no_auth_user: u }", true],
  ["websocket { authorization { user: a, password: b, token: c } }", true],
  ["websocket { authorization { users: [] } }", false],
  ["websocket { bogus: 1 }", false],
  ["mqtt { port: 1883, ack_wait: \"30s\", max_ack_pending: 100 }", true],
  ["mqtt { max_ack_pending: 70000 }", false],
  ['jetstream { store_dir: "/tmp/x", max_mem: 1G, max_file: "2G", domain: d, unique_tag: az, max_outstanding_catchup: "1M" }', true],
  ['jetstream { cipher: "rot13" }', false],
  ["jetstream { bogus: 1 }", false],
  ["accounts { A { jetstream { max_mem: 1024, max_file: 2048, max_streams: 1, max_consumers: 1 } } }", true],
  ["accounts { A { jetstream { bogus: 1 } } }", false],
  ["resolver: MEMORY", true],
  ['resolver: URL("http://127.0.0.1:1/x")', true],
  ["resolver: FOO", false],
  ["resolver { type: full }", false],
  ['resolver { type: cache, dir: "/tmp", allow_delete: true }', false],
  ["trusted_keys: [ NOTAKEY ]", false],
  ["resolver_preload { A: notajwt }", false],
  ['tls { cipher_suites: ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"], curve_preferences: ["CurveP256"] }', true],
  ['tls { cipher_suites: ["NOPE"] }', false],
  ["tls { curve_preferences: [] }", false],
  // nats-server -t fails on its own warnings, though the server would start.
  ["write_deadline: 5", false],
  ['write_deadline: "5s"', true],
  ["cluster { port: 6222, routes: [ nats://a:1, nats://a:1 ] }", false],
  ["cluster { port: 6222, authorization { user: a, password: b, permissions { publish: x } } }", false],
  ["authorization { user: a, password: b, timeout: 90 }", true],
  ['tls { timeout: 2 }\nauthorization { timeout: "soon" }', true],
];

describe("accounts { allow_trace }", () => {
  test("on a service export and a stream import (nats-server 2.11); elsewhere an error", () => {
    const o = opts(`accounts {
      A { exports: [ { service: "svc.>", allow_trace: true }, { stream: "feed.>" } ] }
      B { imports: [ { stream: { account: A, subject: "feed.>" }, allow_trace: true }, { service: { account: A, subject: "svc.x" } } ] }
    }`);
    assert.equal(o.accounts?.[0]?.exports?.[0]?.allowTrace, true);
    assert.equal(o.accounts?.[1]?.imports?.[0]?.allowTrace, true);
    assert.equal(o.accounts?.[1]?.imports?.[1]?.allowTrace, undefined);
    assert.deepEqual(warnings(`accounts { A { exports: [ { service: "svc.>", allow_trace: true } ] } }`), []);
    assert.deepEqual(errors(`accounts { A { exports: [ { stream: "feed.>", allow_trace: true } ] } }`), ["t.conf:1:27: Detected allow_trace directive on non-service"]);
    assert.deepEqual(errors(`accounts { A { exports: [ { service: "s" } ] }, B { imports: [ { service: { account: A, subject: s }, allow_trace: true } ] } }`), [
      "t.conf:1:64: Detected allow_trace directive on a non-stream",
    ]);
  });
});

describe("verdicts agree with nats-server -t", () => {
  VERDICTS.forEach(([src, valid], i) => {
    const file = join(dir, `v${i}.conf`);
    writeFileSync(file, `${src}\n`);
    test(`${valid ? "valid" : "invalid"}: ${src}`, () => {
      const failures = checkFailures(loadConfigFile(file));
      assert.equal(failures.length === 0, valid, failures.map(formatIssue).join("\n") || "accepted");
    });
    test(`nats-server agrees: ${src}`, { skip: !HAVE_NATS && "nats-server not installed" }, () => {
      const n = spawnSync(NATS_SERVER, ["-t", "-c", file], { encoding: "utf8", timeout: 10_000 });
      assert.equal(n.status === 0, valid, `${n.stdout}${n.stderr}`);
    });
  });
});

describe("-t loads the TLS files a config names, as nats-server's GenTLSConfig", () => {
  const certs = makeCerts();
  after(() => certs?.cleanup());
  const cases = (c: NonNullable<typeof certs>): Array<[string, string, string | null]> => [
    ["good pair and CA", `tls { cert_file: "${c.serverCert}", key_file: "${c.serverKey}", ca_file: "${c.caCert}" }`, null],
    ["missing certificate file", `tls { cert_file: "${dir}/none.pem", key_file: "${c.serverKey}" }`, `error parsing X509 certificate/key pair: open ${dir}/none.pem: no such file or directory`],
    ["key of another certificate", `tls { cert_file: "${c.serverCert}", key_file: "${c.clientKey}" }`, "error parsing X509 certificate/key pair: tls: private key does not match public key"],
    ["certificate without key", `tls { cert_file: "${c.serverCert}" }`, "missing 'key_file' in TLS configuration"],
    ["CA file that is a key", `tls { ca_file: "${c.serverKey}" }`, "failed to parse root ca certificate"],
    ["cluster tls with a missing CA", `cluster { port: -1, tls { cert_file: "${c.serverCert}", key_file: "${c.serverKey}", ca_file: "${dir}/no-ca.pem" } }`, `open ${dir}/no-ca.pem: no such file or directory`],
    ["leaf remote tls with a bad pair", `leafnodes { remotes: [ { url: "nats://h:1", tls { cert_file: "${c.caCert}", key_file: "${c.serverKey}" } } ] }`, "error parsing X509 certificate/key pair: tls: private key does not match public key"],
  ];
  test("verdicts and messages", { skip: !certs && "openssl not installed" }, () => {
    cases(certs!).forEach(([what, src, problem], i) => {
      const file = join(dir, `tls${i}.conf`);
      writeFileSync(file, `${src}\n`);
      const errs = loadConfigFile(file).errors.map((e) => e.message);
      assert.deepEqual(errs, problem === null ? [] : [problem], what);
      if (HAVE_NATS) {
        const n = spawnSync(NATS_SERVER, ["-t", "-c", file], { encoding: "utf8", timeout: 10_000 });
        assert.equal(n.status === 0, problem === null, `${what}: nats-server said ${n.stderr}`);
      }
    });
  });
});

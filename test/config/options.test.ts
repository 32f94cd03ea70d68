import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { configToOptions, formatIssue, parseConfig, parseDuration, type ConfigResult } from "../../src/config/index.js";

function map(src: string, env: Record<string, string> = {}): ConfigResult {
  const parsed = parseConfig(src, { file: "t.conf", env });
  assert.deepEqual(parsed.errors, [], parsed.errors.map(formatIssue).join("\n"));
  return configToOptions(parsed.tree, "t.conf");
}

/** Options without `configFile`, asserting no errors and no warnings. */
function ok(src: string): Record<string, unknown> {
  const r = map(src);
  assert.deepEqual(r.errors.map(formatIssue), []);
  assert.deepEqual(r.warnings.map(formatIssue), []);
  const { configFile, ...rest } = r.options;
  assert.equal(configFile, "t.conf");
  return rest;
}

const errors = (src: string) => map(src).errors.map(formatIssue);
const warnings = (src: string) => map(src).warnings.map(formatIssue);

describe("parseDuration (Go time.ParseDuration)", () => {
  const good: Array<[string, number]> = [
    ["0", 0],
    ["2s", 2000],
    ["500ms", 500],
    ["1m30s", 90_000],
    ["1h", 3_600_000],
    ["1.5h", 5_400_000],
    ["2h45m", 9_900_000],
    [".5s", 500],
    ["5.s", 5000],
    ["-3s", -3000],
    ["+1m", 60_000],
    ["1000us", 1],
    ["1000µs", 1],
    ["2000000ns", 2],
    ["1h1m1s1ms", 3_661_001],
  ];
  for (const [s, ms] of good) test(`${s} = ${ms}ms`, () => assert.equal(parseDuration(s), ms));

  const bad: Array<[string, string]> = [
    ["", 'time: invalid duration ""'],
    ["abc", 'time: invalid duration "abc"'],
    ["1", 'time: missing unit in duration "1"'],
    ["10 seconds", 'time: unknown unit " seconds" in duration "10 seconds"'],
    ["1d", 'time: unknown unit "d" in duration "1d"'],
    [".s", 'time: invalid duration ".s"'],
    ["-", 'time: invalid duration "-"'],
  ];
  for (const [s, msg] of bad) {
    test(`${JSON.stringify(s)} is rejected`, () => {
      assert.throws(() => parseDuration(s), (e: Error & { code?: string }) => e.message === msg && e.code === "ERR_CONFIG_DURATION");
    });
  }
});

describe("configToOptions: core keys", () => {
  test("host/net, port, names", () => {
    assert.deepEqual(ok("host: 127.0.0.1\nport: 4333\nserver_name: n1\nclient_advertise: \"a:1\""), {
      host: "127.0.0.1",
      port: 4333,
      serverName: "n1",
      clientAdvertise: "a:1",
    });
    assert.deepEqual(ok("net: ::1"), { host: "::1" });
  });

  test("listen: host:port, :port, port, [v6]:port", () => {
    assert.deepEqual(ok("listen: 0.0.0.0:4222"), { host: "0.0.0.0", port: 4222 });
    assert.deepEqual(ok("listen: localhost:4223"), { host: "localhost", port: 4223 });
    assert.deepEqual(ok("listen: :4224"), { host: "", port: 4224 });
    assert.deepEqual(ok("listen: 4225"), { port: 4225 });
    assert.deepEqual(ok('listen: "[::1]:4226"'), { host: "::1", port: 4226 });
  });

  test("listen errors", () => {
    assert.deepEqual(errors('listen: "127.0.0.1"'), ['t.conf:1:9: could not parse address string "127.0.0.1"']);
    assert.deepEqual(errors('listen: "h:42x"'), ['t.conf:1:9: could not parse port "42x"']);
    assert.deepEqual(errors("listen: true"), ['t.conf:1:9: expected port or host:port for "listen", got bool true']);
  });

  test("monitoring: http (port or host:port), monitor_port, http_port, https, https_port, base path", () => {
    assert.deepEqual(ok("http: 8222"), { httpPort: 8222 });
    assert.deepEqual(ok("http: 127.0.0.1:8223"), { httpHost: "127.0.0.1", httpPort: 8223 });
    assert.deepEqual(ok("monitor_port: 8224"), { httpPort: 8224 });
    assert.deepEqual(ok("http_port: 8225"), { httpPort: 8225 });
    assert.deepEqual(ok("https: 0.0.0.0:8226"), { httpHost: "0.0.0.0", httpsPort: 8226 });
    assert.deepEqual(ok("https_port: 8227\nhttp_base_path: /mon"), { httpsPort: 8227, httpBasePath: "/mon" });
  });

  test("limits, with aliases and size suffixes", () => {
    assert.deepEqual(ok("max_payload: 1MB\nmax_control_line: 8KB\nmax_pending: 10mb\nmax_conn: 100\nmax_subs: 5\nping_max: 4"), {
      maxPayload: 1048576,
      maxControlLine: 8192,
      maxPending: 10485760,
      maxConnections: 100,
      maxSubscriptions: 5,
      pingMax: 4,
    });
    assert.deepEqual(ok("max_connections: 1k\nmax_subscriptions: 0"), { maxConnections: 1000, maxSubscriptions: 0 });
  });

  test("max_payload and max_control_line must fit in int32", () => {
    assert.deepEqual(errors("max_payload: 2GB\nmax_control_line: 3GB"), [
      "t.conf:1:14: max_payload value is too big",
      "t.conf:2:19: max_control_line value is too big",
    ]);
  });

  test("durations: strings, or integer seconds with nats-server's warning", () => {
    assert.deepEqual(ok('ping_interval: "30s"\nwrite_deadline: "1.5s"'), { pingIntervalMs: 30_000, writeDeadlineMs: 1500 });
    const r = map("ping_interval: 20\nwrite_deadline: 5");
    assert.deepEqual(r.errors, []);
    assert.equal(r.options.pingIntervalMs, 20_000);
    assert.equal(r.options.writeDeadlineMs, 5000);
    assert.deepEqual(r.warnings.map(formatIssue), [
      't.conf:1:16: invalid use of field "ping_interval": ping_interval should be converted to a duration',
      't.conf:2:17: invalid use of field "write_deadline": write_deadline should be converted to a duration',
    ]);
  });

  test("an unquoted 30m is a size (30 million), and the warning says so", () => {
    const r = map("ping_interval: 30m");
    assert.equal(r.options.pingIntervalMs, 30_000_000_000);
    assert.match(r.warnings[0]!.message, /30m was read as a size; quote durations/);
  });

  test("lame duck duration and grace period", () => {
    assert.deepEqual(ok('lame_duck_duration: "45s"\nlame_duck_grace_period: "3s"'), {
      lameDuckDurationMs: 45_000,
      lameDuckGracePeriodMs: 3000,
    });
    assert.deepEqual(errors('lame_duck_duration: "10s"'), ["t.conf:1:21: invalid lame_duck_duration of 10s, minimum is 30 seconds"]);
    assert.deepEqual(errors('lame_duck_grace_period: "-1s"'), ["t.conf:1:25: invalid lame_duck_grace_period, needs to be positive"]);
    assert.deepEqual(errors("lame_duck_duration: 60"), [
      't.conf:1:21: expected a duration string (e.g. "2s") for "lame_duck_duration", got integer 60',
    ]);
  });

  test("logging and misc booleans/strings", () => {
    assert.deepEqual(
      ok("debug: true\ntrace: on\nlogtime: no\nlogtime_utc: yes\nlogfile: /var/log/n.log\npidfile: /run/n.pid\nports_file_dir: /run\nsyslog: false\nno_header_support: true"),
      {
        debug: true,
        trace: true,
        logtime: false,
        logtimeUtc: true,
        logFile: "/var/log/n.log",
        pidFile: "/run/n.pid",
        portsFileDir: "/run",
        syslog: false,
        noHeaderSupport: true,
      },
    );
    assert.deepEqual(ok("log_file: a\npid_file: b"), { logFile: "a", pidFile: "b" });
  });

  test("server_tags: a string or a list", () => {
    assert.deepEqual(ok("server_tags: a"), { serverTags: ["a"] });
    assert.deepEqual(ok('server_tags: ["a:1", b]'), { serverTags: ["a:1", "b"] });
    assert.deepEqual(errors("server_tags: [a, 1]"), ['t.conf:1:18: expected a string in "server_tags", got integer 1']);
  });

  test("keys match case-insensitively", () => {
    assert.deepEqual(ok("PORT: 1\nDebug: true\nMax_Payload: 10"), { port: 1, debug: true, maxPayload: 10 });
  });

  test("no_auth_user, system_account/system", () => {
    assert.deepEqual(ok("no_auth_user: u\nsystem_account: SYS"), { noAuthUser: "u", systemAccount: "SYS" });
    assert.deepEqual(ok("SYS_NAME = X\nsystem: $SYS_NAME"), { systemAccount: "X" });
    assert.deepEqual(errors("system_account: 1"), ["t.conf:1:17: system account name must be a string"]);
  });

  test("type errors are errors at the value's position", () => {
    assert.deepEqual(errors('port: "abc"\ndebug: 1\nserver_name: [a]\nmax_pending: 1.5'), [
      't.conf:1:7: expected an integer for "port", got string "abc"',
      't.conf:2:8: expected a boolean for "debug", got integer 1',
      't.conf:3:14: expected a string for "server_name", got array',
      't.conf:4:14: expected an integer for "max_pending", got float 1.5',
    ]);
  });

  test("enabled/disabled are not booleans (as in nats-server 2.9.10)", () => {
    assert.deepEqual(errors("debug: enabled"), ['t.conf:1:8: expected a boolean for "debug", got string "enabled"']);
  });
});

describe("configToOptions: unknown and unsupported keys", () => {
  test("an unknown top-level key is an error, as nats-server 2.9.10 does", () => {
    assert.deepEqual(errors("port: 1\nprot: 2"), ['t.conf:2:1: unknown field "prot"']);
  });

  test("a key that only defines a used variable is not unknown; an unused one is", () => {
    assert.deepEqual(errors("PORT_VAR = 4222\nport: $PORT_VAR"), []);
    assert.deepEqual(errors("UNUSED = 1"), ['t.conf:1:1: unknown field "UNUSED"']);
  });

  test("blocks tsnats does not do yet give one warning each", () => {
    const src = "cluster { name: c, listen: 127.0.0.1:6222, routes: [nats://a:1] }\nleafnodes { port: 7422 }\ngateway { name: g }\nwebsocket { port: 8080 }\nmqtt { port: 1883 }";
    const r = map(src);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.warnings.map(formatIssue), [
      't.conf:5:1: "mqtt" is not supported yet by tsnats, ignoring',
    ]);
  });

  test("trace_verbose turns trace on, with a warning", () => {
    const r = map("trace_verbose: true");
    assert.equal(r.options.trace, true);
    assert.equal(r.extra.traceVerbose, true);
    assert.equal(r.warnings.length, 1);
  });
});

describe("configToOptions: authorization", () => {
  test("token, user/password (and aliases), timeout in float seconds", () => {
    assert.deepEqual(ok("authorization { token: s3cr3t, timeout: 1.5 }"), { authToken: "s3cr3t", authTimeoutMs: 1500 });
    assert.deepEqual(ok("authorization { username: a, pass: b, timeout: 3 }"), { username: "a", password: "b", authTimeoutMs: 3000 });
  });

  test("no timeout key leaves the default alone", () => {
    assert.equal("authTimeoutMs" in ok("authorization { token: t }"), false);
  });

  test("a timeout that is neither seconds nor a duration is 1s with a warning (nats-server uses 1s silently)", () => {
    const r = map('authorization { timeout: "soon" }');
    assert.equal(r.options.authTimeoutMs, 1000);
    assert.equal(r.warnings.length, 1);
  });

  test("a duration string timeout is taken (nats-server 2.10+); over a minute warns", () => {
    assert.equal(ok('authorization { timeout: "2s" }').authTimeoutMs, 2000);
    const r = map("authorization { timeout: 90 }");
    assert.equal(r.options.authTimeoutMs, 90_000);
    assert.match(r.warnings[0]!.message, /timeout of 90 seconds is high/);
  });

  test("users with permissions: subject, list, or allow/deny block", () => {
    const o = ok(`authorization {
      users: [
        {user: a, password: p, permissions: {publish: "x.>", subscribe: ["y", "z.*"]}}
        {user: b, password: p, permission: {pub: {allow: "q", deny: ["q.secret"]}, sub: {deny: ">"}}}
        {user: c, password: p, authorization: {publish: {deny: "forbidden"}}}
      ]
    }`);
    assert.deepEqual(o.users, [
      { user: "a", password: "p", permissions: { publish: { allow: ["x.>"] }, subscribe: { allow: ["y", "z.*"] } } },
      { user: "b", password: "p", permissions: { publish: { allow: ["q"], deny: ["q.secret"] }, subscribe: { deny: [">"] } } },
      { user: "c", password: "p", permissions: { publish: { deny: ["forbidden"] } } },
    ]);
  });

  test("allow_responses: true or {max, expires}, defaults max 1 / expires 0", () => {
    const o = ok(`authorization { users: [
      {user: a, password: p, permissions: {allow_responses: true}}
      {user: b, password: p, permissions: {subscribe: s, allow_responses: {max: 3}}}
      {user: c, password: p, permissions: {publish: x, allow_responses: {expires: "5s"}}}
      {user: d, password: p, permissions: {allow_responses: false}}
    ] }`);
    const perms = (o.users as Array<{ permissions: unknown }>).map((u) => u.permissions);
    assert.deepEqual(perms, [
      { publish: { allow: [] }, allowResponses: { maxMsgs: 1, expiresMs: 0 } },
      { subscribe: { allow: ["s"] }, publish: { allow: [] }, allowResponses: { maxMsgs: 3, expiresMs: 0 } },
      { publish: { allow: ["x"] }, allowResponses: { maxMsgs: 1, expiresMs: 5000 } },
      {},
    ]);
  });

  test("default permissions apply to users without their own", () => {
    const o = ok(`authorization {
      default_permissions: { publish: "pub.>" }
      users: [ {user: a, password: p}, {user: b, password: p, permissions: {publish: own}} ]
    }`);
    assert.deepEqual(o.users, [
      { user: "a", password: "p", permissions: { publish: { allow: ["pub.>"] } } },
      { user: "b", password: "p", permissions: { publish: { allow: ["own"] } } },
    ]);
  });

  test("nkey users", () => {
    const nkey = "UDCQIZ2BRZO7NAHHQUV533SQ4QFCXXV234NDNJD3NRRDTPCNWNJNHC3U";
    assert.deepEqual(ok(`authorization { users: [ {nkey: ${nkey}} ] }`), { users: [{ nkey }] });
    assert.deepEqual(errors("authorization { users: [ {nkey: UBAD} ] }"), ["t.conf:1:26: Not a valid public nkey for a user"]);
    assert.deepEqual(errors(`authorization { users: [ {nkey: ${nkey}, user: x} ] }`), [
      "t.conf:1:26: Nkey users do not take usernames or passwords",
    ]);
  });

  test("authorization errors, all reported", () => {
    const src = `authorization {
  user: a
  token: t
  tokne: x
  users: [ {password: p}, "str", {user: u, account: A, permissions: {publish: "a b c", bogus: 1}} ]
}`;
    assert.deepEqual(errors(src), [
      't.conf:4:3: unknown field "tokne"',
      "t.conf:5:12: User entry requires a user",
      't.conf:5:27: Expected user entry to be a map/struct, got string "str"',
      't.conf:5:44: unknown field "account"',
      't.conf:5:79: subject "a b c" is not a valid subject',
      't.conf:5:88: Unknown field "bogus" parsing permissions',
      "t.conf:1:15: Cannot have a user/pass and token",
      "t.conf:1:15: Can not have a single user/pass and a users array",
      "t.conf:1:15: Can not have a token and a users array",
    ]);
  });

  test("subject permission errors", () => {
    assert.deepEqual(errors("authorization { permissions: { publish: { allow: x, only: y } } }"), [
      "t.conf:1:53: Unknown field name \"only\" parsing subject permissions, only 'allow' or 'deny' are permitted",
    ]);
    assert.deepEqual(errors("authorization { permissions: { publish: [x, 1] } }"), [
      't.conf:1:45: expected a string in "publish", got integer 1',
    ]);
    assert.deepEqual(errors('authorization { permissions: { allow_responses: "yes" } }'), [
      "t.conf:1:49: error parsing response permissions, expected a boolean or a map",
    ]);
  });
});

describe("configToOptions: tls and jetstream", () => {
  test("tls block", () => {
    assert.deepEqual(
      ok('tls { cert_file: "./c.pem", key_file: "./k.pem", ca_file: "./ca.pem", verify: true, timeout: 2.5, handshake_first: true }'),
      { tls: { certFile: "./c.pem", keyFile: "./k.pem", caFile: "./ca.pem", verify: true, timeoutMs: 2500, handshakeFirst: true } },
    );
    assert.deepEqual(ok('tls { verify_and_map: true, timeout: "3s" }'), { tls: { verify: true, verifyAndMap: true, timeoutMs: 3000 } });
  });

  test("tls errors and unsupported keys", () => {
    const r = map("tls { cert_file: 1, verify: maybe, cipher_suites: [x], bogus: 1 }");
    assert.deepEqual(r.errors.map(formatIssue), [
      "t.conf:1:18: error parsing tls config, expected 'cert_file' to be filename",
      "t.conf:1:29: error parsing tls config, expected 'verify' to be a boolean",
      "t.conf:1:52: unrecognized cipher x",
      't.conf:1:56: error parsing tls config, unknown field ["bogus"]',
    ]);
    assert.deepEqual(r.warnings.map(formatIssue), ['t.conf:1:36: "tls.cipher_suites" is not supported yet by tsnats, ignoring']);
  });

  test("jetstream: bool, enabled/disabled strings, block", () => {
    assert.deepEqual(ok("jetstream: true"), { jetstream: true });
    assert.deepEqual(ok("jetstream: Enabled"), { jetstream: true });
    assert.deepEqual(ok("jetstream: disabled"), { jetstream: false });
    assert.deepEqual(ok("jetstream { store_dir: /data/js }"), { jetstream: true, storeDir: "/data/js" });
    assert.deepEqual(ok("jetstream { store: /d, enabled: false }"), { jetstream: false, storeDir: "/d" });
    assert.deepEqual(ok("store_dir: /top"), { storeDir: "/top" });
  });

  test("jetstream limits are typed options", () => {
    const r = map('jetstream { max_mem: 1G, max_file_store: "2G", domain: hub }');
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.options.jetstreamOptions, { maxMemory: 1e9, maxStore: 2 * 2 ** 30, domain: "hub" });
    assert.deepEqual(r.warnings, []);
  });

  test("jetstream errors", () => {
    assert.deepEqual(errors("jetstream: maybe"), ["t.conf:1:12: Expected 'enabled' or 'disabled' for string value, got 'maybe'"]);
    assert.deepEqual(errors("jetstream: 1"), ["t.conf:1:12: Expected map, bool or string to define JetStream, got integer 1"]);
    assert.deepEqual(errors("store_dir: /a\njetstream { store_dir: /b, bogus: 1 }"), [
      't.conf:2:28: unknown field "bogus"',
      "t.conf:2:11: Duplicate 'store_dir' configuration",
    ]);
  });
});

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import {
  parseGoInt,
  parseServerFlags,
  routesFlagProblem,
  SERVER_FLAG_NAMES,
  TSNATS_EXTENSION_FLAGS,
  UNSUPPORTED_FLAGS,
  unsupportedFlagWarning,
  type ServerFlags,
} from "../../src/cli/flags.js";
import { SERVER_USAGE, TLS_USAGE } from "../../src/cli/usage.js";
import { resolveOptions } from "../../src/server/options.js";

/** The reference server; NATS_SERVER overrides the Debian/Ubuntu path. */
const NATS_SERVER = process.env["NATS_SERVER"] ?? "/usr/sbin/nats-server";

/** Every way Go's flag package accepts a valued flag: -n v, --n v, -n=v, --n=v. */
function valueSpellings(name: string, value: string): string[][] {
  return [
    [`-${name}`, value],
    [`--${name}`, value],
    [`-${name}=${value}`],
    [`--${name}=${value}`],
  ];
}

function ok(argv: string[]): ServerFlags {
  const r = parseServerFlags(argv);
  assert.deepEqual(r.errors, [], `errors for ${JSON.stringify(argv)}`);
  return r;
}

describe("parseServerFlags: valued flags, every alias and spelling", () => {
  const cases: Array<{ names: string[]; value: string; check: (r: ServerFlags) => void }> = [
    { names: ["a", "addr", "net"], value: "127.0.0.1", check: (r) => assert.equal(r.options.host, "127.0.0.1") },
    { names: ["p", "port"], value: "4333", check: (r) => assert.equal(r.options.port, 4333) },
    { names: ["n", "name", "server_name"], value: "srv-a", check: (r) => assert.equal(r.options.serverName, "srv-a") },
    { names: ["P", "pid"], value: "/run/x.pid", check: (r) => assert.equal(r.options.pidFile, "/run/x.pid") },
    { names: ["m", "http_port"], value: "8222", check: (r) => assert.equal(r.options.httpPort, 8222) },
    { names: ["ms", "https_port"], value: "8443", check: (r) => assert.equal(r.options.httpsPort, 8443) },
    { names: ["c", "config"], value: "a.conf", check: (r) => assert.equal(r.configFile, "a.conf") },
    {
      names: ["client_advertise"],
      value: "nats://h:1",
      check: (r) => assert.equal(r.options.clientAdvertise, "nats://h:1"),
    },
    { names: ["ports_file_dir"], value: "/tmp/p", check: (r) => assert.equal(r.options.portsFileDir, "/tmp/p") },
    { names: ["l", "log"], value: "s.log", check: (r) => assert.equal(r.options.logFile, "s.log") },
    { names: ["user"], value: "u", check: (r) => assert.equal(r.options.username, "u") },
    { names: ["pass"], value: "pw", check: (r) => assert.equal(r.options.password, "pw") },
    { names: ["auth"], value: "tok", check: (r) => assert.equal(r.options.authToken, "tok") },
    { names: ["no_auth_user"], value: "u", check: (r) => assert.equal(r.options.noAuthUser, "u") },
    { names: ["sd", "store_dir"], value: "/data", check: (r) => assert.equal(r.options.storeDir, "/data") },
    {
      names: ["sl", "signal"],
      value: "reload",
      check: (r) => assert.deepEqual(r.signal, { command: "reload" }),
    },
    { names: ["log_size_limit"], value: "1024", check: (r) => assert.equal(r.extra.logSizeLimit, 1024) },
    { names: ["max_traced_msg_len"], value: "64", check: (r) => assert.equal(r.options.maxTracedMsgLen, 64) },
    { names: ["r", "remote_syslog"], value: "udp://h:514", check: (r) => assert.equal(r.extra.remoteSyslog, "udp://h:514") },
    { names: ["profile"], value: "6060", check: (r) => assert.equal(r.extra.profPort, 6060) },
    {
      names: ["routes"],
      value: "nats://a:1,nats://b:2",
      check: (r) => assert.deepEqual(r.options.cluster?.routes, ["nats://a:1", "nats://b:2"]),
    },
    {
      names: ["cluster", "cluster_listen"],
      value: "nats://0.0.0.0:6222",
      check: (r) => assert.deepEqual([r.options.cluster?.host, r.options.cluster?.port], ["0.0.0.0", 6222]),
    },
    { names: ["cluster_name"], value: "c1", check: (r) => assert.equal(r.options.cluster?.name, "c1") },
    { names: ["cluster_advertise"], value: "h:6222", check: (r) => assert.equal(r.options.cluster?.advertise, "h:6222") },
    { names: ["connect_retries"], value: "3", check: (r) => assert.equal(r.options.cluster?.connectRetries, 3) },
    { names: ["tlscert"], value: "c.pem", check: (r) => assert.equal(r.options.tls?.certFile, "c.pem") },
    { names: ["tlskey"], value: "k.pem", check: (r) => assert.equal(r.options.tls?.keyFile, "k.pem") },
    { names: ["tlscacert"], value: "ca.pem", check: (r) => assert.equal(r.options.tls?.caFile, "ca.pem") },
  ];
  for (const c of cases) {
    for (const name of c.names) {
      test(`-${name}`, () => {
        for (const argv of valueSpellings(name, c.value)) c.check(ok(argv));
      });
    }
  }

  test("the value may start with a dash (-p -1 keeps -1: random port)", () => {
    assert.equal(ok(["-p", "-1"]).options.port, -1);
    assert.equal(ok(["--port=-1"]).options.port, -1);
    assert.equal(ok(["-m", "-1"]).options.httpPort, -1);
    assert.equal(ok(["-n", "-D"]).options.serverName, "-D");
  });

  test("the last of several aliases wins, as they share one Go variable", () => {
    assert.equal(ok(["-p", "1", "--port", "2", "-p=3"]).options.port, 3);
    assert.equal(ok(["-a", "h1", "--net", "h2"]).options.host, "h2");
  });

  test("empty strings leave options unset", () => {
    const r = ok(["-a=", "--name=", "-l", ""]);
    assert.deepEqual(r.options, {});
  });

  test("routes are split on commas and trimmed", () => {
    assert.deepEqual(ok(["--routes", " nats://a:1 , ,nats://b:2"]).options.cluster?.routes, ["nats://a:1", "nats://b:2"]);
  });

  test("--cluster URL: host, port (-1 random), credentials, as overrideCluster", () => {
    assert.deepEqual(ok(["--cluster", "nats://127.0.0.1:-1"]).options.cluster, { host: "127.0.0.1", port: -1, username: undefined, password: undefined });
    assert.deepEqual(ok(["--cluster", "nats://ruser:p%40ss@[::1]:6222"]).options.cluster, { host: "::1", port: 6222, username: "ruser", password: "p@ss" });
    assert.deepEqual(ok(["--cluster="]).options.cluster, { port: 0 });
    assert.deepEqual(parseServerFlags(["--cluster", "nats://u@h:1"]).errors, ["expected cluster password to be set"]);
    assert.deepEqual(parseServerFlags(["--cluster", "nats://h"]).errors, ["address h: missing port in address"]);
    assert.deepEqual(parseServerFlags(["--cluster", "127.0.0.1:6222"]).errors, [
      'parse "127.0.0.1:6222": first path segment in URL cannot contain colon',
    ]);
  });

  test("cluster flags override the file's cluster block field by field (MergeOptions)", () => {
    const file = { cluster: { name: "file", port: 6222, username: "u", password: "p", noAdvertise: true, connectRetries: 5 } };
    const flags = ok(["--cluster_name", "flag", "--no_advertise=false", "--connect_retries", "0", "--cluster", "nats://h:7000"]);
    const c = resolveOptions(file, flags.options).cluster!;
    assert.deepEqual([c.name, c.host, c.port, c.noAdvertise, c.connectRetries], ["flag", "h", 7000, true, 5]);
    assert.equal(c.username, undefined, "a listen URL without credentials clears the file's");
    assert.equal(resolveOptions(file, ok(["--routes", "nats://a:1"]).options).cluster?.name, "file");
  });

  test("--routes needs a route listener from the file or --cluster", () => {
    const routes = ok(["--routes", "nats://a:1"]);
    assert.equal(routesFlagProblem(routes, {}), "solicited routes require cluster capabilities, e.g. --cluster");
    assert.equal(routesFlagProblem(routes, { cluster: { port: 6222 } }), undefined);
    assert.equal(routesFlagProblem(ok(["--routes", "nats://a:1", "--cluster", "nats://h:1"]), {}), undefined);
    assert.equal(routesFlagProblem(ok([]), {}), undefined);
  });
});

describe("parseServerFlags: bool flags", () => {
  const bools: Array<{ names: string[]; get: (r: ServerFlags) => boolean | undefined }> = [
    { names: ["D", "debug"], get: (r) => r.options.debug },
    { names: ["V", "trace"], get: (r) => r.options.trace },
    { names: ["T", "logtime"], get: (r) => r.options.logtime },
    { names: ["s", "syslog"], get: (r) => r.options.syslog },
    { names: ["js", "jetstream"], get: (r) => r.options.jetstream },
    { names: ["t"], get: (r) => r.testConfig },
    { names: ["v", "version"], get: (r) => r.showVersion },
    { names: ["h", "help"], get: (r) => r.showHelp },
    { names: ["help_tls"], get: (r) => r.showTlsHelp },
    { names: ["no_advertise"], get: (r) => r.options.cluster?.noAdvertise },
    { names: ["tlsverify"], get: (r) => r.options.tls?.verify },
  ];
  for (const b of bools) {
    for (const name of b.names) {
      test(`-${name}`, () => {
        // -t needs -c, or it is an error; give one so only the flag is under test.
        const extra = name === "t" ? ["-c", "x.conf"] : [];
        for (const dash of ["-", "--"]) {
          assert.equal(b.get(ok([...extra, `${dash}${name}`])), true);
          for (const t of ["true", "1", "t", "T", "TRUE", "True"]) {
            assert.equal(b.get(ok([...extra, `${dash}${name}=${t}`])), true, t);
          }
          for (const f of ["false", "0", "f", "F", "FALSE", "False"]) {
            assert.equal(b.get(ok([...extra, `${dash}${name}=${f}`])) ?? false, false, f);
          }
        }
      });
    }
  }

  test("-T=false turns timestamps off; not given leaves logtime unset", () => {
    assert.equal(ok(["-T=false"]).options.logtime, false);
    assert.equal(ok([]).options.logtime, undefined);
  });

  test("a bool flag does not take the next argument: -D false is a command", () => {
    const r = parseServerFlags(["-D", "false"]);
    assert.equal(r.options.debug, true);
    assert.deepEqual(r.errors, ['unrecognized command: "false"']);
  });

  test("-DV, -VV, -DVV set debug, trace and verbose trace", () => {
    assert.deepEqual(ok(["-DV"]).options, { debug: true, trace: true });
    const vv = ok(["-VV"]);
    assert.deepEqual(vv.options, { trace: true });
    assert.equal(vv.extra.traceVerbose, true);
    const dvv = ok(["--DVV"]);
    assert.deepEqual(dvv.options, { debug: true, trace: true });
    assert.equal(dvv.extra.traceVerbose, true);
    assert.deepEqual(ok(["-DV=false"]).options, { debug: false, trace: false });
  });

  test("-DV is applied after -D/-V, whatever the order (Go fs.Visit)", () => {
    assert.deepEqual(ok(["-DV", "-D=false"]).options, { debug: true, trace: true });
    assert.deepEqual(ok(["-D=false", "-DV"]).options, { debug: true, trace: true });
  });

  test("--tls turns TLS on; --tls=false wins over any tls* flag", () => {
    assert.deepEqual(ok(["--tls"]).options.tls, {});
    const off = ok(["--tlscert", "c", "--tls=false", "--tlskey", "k"]);
    assert.equal(off.options.tls, undefined);
    assert.equal(off.extra.tlsDisabled, true);
    assert.equal(ok(["--tls=false", "--tls"]).options.tls !== undefined, true);
  });
});

describe("parseServerFlags: Go flag syntax", () => {
  test("nothing given", () => {
    assert.deepEqual(parseServerFlags([]), {
      options: {},
      testConfig: false,
      showVersion: false,
      showHelp: false,
      showTlsHelp: false,
      extra: {},
      unsupported: [],
      errors: [],
    });
  });

  test("a realistic command line", () => {
    const r = ok(["-a", "127.0.0.1", "-p", "-1", "-m", "8222", "-n", "s1", "-js", "-sd", "/d", "--user", "u", "--pass", "p", "-DV"]);
    assert.deepEqual(r.options, {
      host: "127.0.0.1",
      port: -1,
      httpPort: 8222,
      serverName: "s1",
      jetstream: true,
      storeDir: "/d",
      username: "u",
      password: "p",
      debug: true,
      trace: true,
    });
    assert.deepEqual(r.unsupported, []);
  });

  const errors: Array<[string[], string]> = [
    [["-x"], "flag provided but not defined: -x"],
    [["--xyz=1"], "flag provided but not defined: -xyz"],
    [["-d"], "flag provided but not defined: -d"],
    [["-p"], "flag needs an argument: -p"],
    [["--config"], "flag needs an argument: -config"],
    [["-p", "abc"], 'invalid value "abc" for flag -p: parse error'],
    [["-p="], 'invalid value "" for flag -p: parse error'],
    [["-m", "99999999999999999999"], 'invalid value "99999999999999999999" for flag -m: value out of range'],
    [["-D=maybe"], 'invalid boolean value "maybe" for -D: parse error'],
    [["---x"], "bad flag syntax: ---x"],
    [["-=x"], "bad flag syntax: -=x"],
    [["foo"], 'unrecognized command: "foo"'],
    [["-p", "1", "bar", "-x"], 'unrecognized command: "bar"'],
    [["-sl", "reload=1=2"], "invalid signal parameters: [2]"],
    [["-sl", "reload=1=2=3"], "invalid signal parameters: [2 3]"],
    [["-t"], "must specify [-c, --config] option to check configuration file syntax"],
  ];
  for (const [argv, msg] of errors) {
    test(`error: ${argv.join(" ")}`, () => {
      assert.deepEqual(parseServerFlags(argv).errors, [msg]);
    });
  }

  test("parsing stops at the first error", () => {
    const r = parseServerFlags(["-p", "1", "-x", "-y", "-D"]);
    assert.deepEqual(r.errors, ["flag provided but not defined: -x"]);
    assert.equal(r.options.port, 1);
    assert.equal(r.options.debug, undefined);
  });

  test("flags stop at the first non-flag argument, '-' or '--'", () => {
    assert.equal(ok(["-p", "1", "--", "version", "-D"]).showVersion, true);
    assert.equal(ok(["--", "version", "-D"]).options.debug, undefined);
    assert.deepEqual(parseServerFlags(["-"]).errors, ['unrecognized command: "-"']);
  });

  test("positional 'version' and 'help' commands, any case", () => {
    assert.equal(ok(["version"]).showVersion, true);
    assert.equal(ok(["VERSION"]).showVersion, true);
    assert.equal(ok(["Help"]).showHelp, true);
    assert.equal(ok(["-p", "1", "help", "whatever"]).showHelp, true);
  });

  test("-t with -c, or with an early exit, is not an error", () => {
    const r = ok(["-t", "-c", "x.conf"]);
    assert.equal(r.testConfig, true);
    assert.equal(r.configFile, "x.conf");
    ok(["-t", "-v"]);
    ok(["-t", "--signal", "reload"]);
  });

  test("signal with a pid or a pid file", () => {
    assert.deepEqual(ok(["--signal", "stop=123"]).signal, { command: "stop", pid: "123" });
    assert.deepEqual(ok(["-sl=reopen=/var/run/t.pid"]).signal, { command: "reopen", pid: "/var/run/t.pid" });
    assert.deepEqual(ok(["-sl", "ldm="]).signal, { command: "ldm", pid: "" });
    assert.equal(ok(["-sl", ""]).signal, undefined);
  });

  test("Go integer syntax (strconv.ParseInt base 0)", () => {
    const cases: Array<[string, ReturnType<typeof parseGoInt>]> = [
      ["0", 0],
      ["4222", 4222],
      ["+5", 5],
      ["-1", -1],
      ["0x10", 16],
      ["0X1f", 31],
      ["0o17", 15],
      ["017", 15],
      ["0b101", 5],
      ["1_000", 1000],
      ["0x_1F", 31],
      ["0_17", 15],
      ["9223372036854775807", 9223372036854775807],
      ["9223372036854775808", "value out of range"],
      ["-9223372036854775809", "value out of range"],
      ["", "parse error"],
      ["-", "parse error"],
      ["0x", "parse error"],
      ["08", "parse error"],
      ["1__0", "parse error"],
      ["_1", "parse error"],
      ["1_", "parse error"],
      ["1.5", "parse error"],
      [" 1", "parse error"],
      ["1e3", "parse error"],
    ];
    for (const [s, want] of cases) assert.equal(parseGoInt(s), want, s);
  });
});

describe("parseServerFlags: unsupported features", () => {
  test("each unsupported flag is accepted and named once, as written", () => {
    for (const name of UNSUPPORTED_FLAGS) {
      const isBool = ["s", "syslog", "tls", "tlsverify", "no_advertise"].includes(name);
      const value = name === "cluster" || name === "cluster_listen" ? "nats://h:1" : "1";
      const argv = isBool ? [`--${name}`] : [`--${name}`, value];
      const r = ok([...argv, ...argv]);
      assert.deepEqual(r.unsupported, [`--${name}`], name);
    }
    assert.deepEqual(ok(["-s", "--syslog", "-s"]).unsupported, ["-s", "--syslog"]);
  });

  test("supported flags are never reported", () => {
    const r = ok(["-p", "1", "-a", "h", "-D", "-V", "-l", "f", "-js", "--auth", "t", "-P", "p"]);
    assert.deepEqual(r.unsupported, []);
  });

  test("warning text names the flag", () => {
    assert.match(unsupportedFlagWarning("--routes"), /^--routes is not supported by tsnats/);
  });

  test("the sets only name flags the parser knows", () => {
    for (const n of [...UNSUPPORTED_FLAGS, ...TSNATS_EXTENSION_FLAGS]) assert.ok(SERVER_FLAG_NAMES.includes(n), n);
  });
});

/** Flag names (no dashes) in the option column of a `--help` text. */
function helpFlags(text: string): Set<string> {
  const names = new Set<string>();
  // Only the option table: the "not supported yet" note after it wraps flags anywhere.
  const table = text.split("\nNot supported by tsnats yet")[0] ?? text;
  for (const line of table.split("\n")) {
    if (!/^ {4}/.test(line)) continue;
    const col = line.slice(0, 37);
    for (const m of col.matchAll(/(?<![\w<])--?([A-Za-z][A-Za-z_]*)/g)) names.add(m[1] ?? "");
  }
  return names;
}

/** Section headings ("Server Options:") in order. */
function helpSections(text: string): string[] {
  return text.split("\n").filter((l) => /^[A-Z][A-Za-z ]+ Options:$/.test(l));
}

describe("SERVER_USAGE", () => {
  test("names the program tsnats-server and says what is not supported", () => {
    assert.match(SERVER_USAGE, /^\nUsage: tsnats-server \[options\]\n/);
    assert.match(SERVER_USAGE, /Not supported by tsnats yet/);
    for (const n of UNSUPPORTED_FLAGS) assert.ok(SERVER_USAGE.includes(n.length <= 2 ? `-${n}` : `--${n}`), n);
    assert.match(TLS_USAGE, /not supported by tsnats yet/);
  });

  test("lists every flag the parser accepts, and nothing else", () => {
    const listed = helpFlags(SERVER_USAGE);
    assert.deepEqual([...listed].sort(), [...SERVER_FLAG_NAMES].sort());
  });

  test("matches the live nats-server --help: same sections, same flags", { skip: !existsSync(NATS_SERVER) }, () => {
    const r = spawnSync(NATS_SERVER, ["--help"], { encoding: "utf8", timeout: 10_000 });
    const live = `${r.stdout}${r.stderr}`;
    assert.match(live, /Usage: nats-server/);
    assert.deepEqual(helpSections(SERVER_USAGE), helpSections(live));
    const ours = helpFlags(SERVER_USAGE);
    const theirs = helpFlags(live);
    assert.ok(theirs.size > 40, `parsed ${theirs.size} flags from nats-server --help`);
    for (const n of theirs) assert.ok(ours.has(n), `missing ${n}`);
    for (const n of ours) assert.ok(theirs.has(n) || TSNATS_EXTENSION_FLAGS.has(n), `extra ${n}`);
  });
});

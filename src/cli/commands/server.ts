/**
 * `tsnats server info|ping`. Info comes from, in order: `--monitor URL` (/varz), the
 * system account (`$SYS.REQ.SERVER.PING.VARZ`, when the credentials are a system user),
 * the monitoring port 8222 on the server's host, or, as a last resort, the INFO the
 * server sent on connect (identity and limits only). Ping measures round trips to the
 * connected server, or every server answering `$SYS.REQ.SERVER.PING`.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { CONNECTION_HELP, CommandError, connectWith, describeError, durationMs, int, out, parse, runCommand, serverURLs, str, UsageError, type Flags } from "./common.js";

export const SERVER_HELP = `Usage: tsnats server info|ping [options]

  info      server identity, limits and statistics (from /varz)
  ping      round-trip time to the server (or every server, with system account credentials)

Options:
      --monitor URL      monitoring URL to read /varz from (e.g. http://127.0.0.1:8222)
      --count N          ping: number of pings (default 3)
      --timeout DURATION how long to wait for answers (default 2s)
      --json             print JSON
${CONNECTION_HELP}`;

export async function run(argv: string[]): Promise<number> {
  return runCommand("server", SERVER_HELP, async () => {
    const { flags, args } = parse(argv, {
      monitor: { type: "string" },
      count: { type: "string" },
      timeout: { type: "string" },
      json: { type: "boolean" },
    });
    if (flags.help) {
      process.stdout.write(SERVER_HELP);
      return 0;
    }
    const [verb, ...extra] = args;
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    if (verb === "info") return info(flags);
    if (verb === "ping") return ping(flags);
    throw new UsageError(verb === undefined ? "missing command: info or ping" : `unknown command '${verb}': use info or ping`);
  });
}

type Varz = Record<string, unknown>;

async function fetchVarz(base: string, timeoutMs: number): Promise<Varz> {
  const url = `${base.replace(/\/+$/, "")}/varz`;
  let r: Response;
  try {
    r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new CommandError(`cannot read ${url}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
  }
  if (!r.ok) throw new CommandError(`${url} answered HTTP ${r.status}`);
  return (await r.json()) as Varz;
}

/** /varz through the system account; null when nobody answers (not a system user). */
async function sysVarz(nc: NatsConnection, timeoutMs: number): Promise<Varz | null> {
  try {
    const m = await nc.request("$SYS.REQ.SERVER.PING.VARZ", "", { timeout: Math.min(timeoutMs, 1000) });
    const v = m.json<{ data?: Varz }>();
    return v.data ?? null;
  } catch {
    return null;
  }
}

async function info(flags: Flags): Promise<number> {
  const timeoutMs = durationMs(flags, "timeout", 2000);
  const monitor = str(flags, "monitor");
  let varz: Varz | null = null;
  let source = "";
  if (monitor !== undefined) {
    varz = await fetchVarz(monitor, timeoutMs);
    source = `${monitor.replace(/\/+$/, "")}/varz`;
  } else {
    const nc = await connectWith(flags, "tsnats server");
    try {
      varz = await sysVarz(nc, timeoutMs);
      source = "$SYS.REQ.SERVER.PING.VARZ";
      if (varz === null) {
        const guess = defaultMonitorURL(serverURLs(flags)[0] ?? "");
        varz = await fetchVarz(guess, Math.min(timeoutMs, 1000)).catch(() => null);
        source = `${guess}/varz`;
      }
      if (varz === null) {
        varz = { ...(nc.info as unknown as Varz) };
        source = "the server's INFO (start the server with -m PORT, or pass --monitor URL, for statistics)";
      }
    } finally {
      await nc.close();
    }
  }
  if (flags.json) {
    out(JSON.stringify(varz, null, 2));
    return 0;
  }
  printVarz(varz, source);
  return 0;
}

/** `http://<server host>:8222`, nats-server's customary monitoring port. */
function defaultMonitorURL(server: string): string {
  const u = new URL(server.includes("://") ? server : `nats://${server}`);
  return `http://${u.hostname}:8222`;
}

function printVarz(v: Varz, source: string): void {
  const s = (k: string): string => (v[k] === undefined ? "" : String(v[k]));
  const n = (k: string): number => Number(v[k] ?? 0);
  const lines: Array<[string, string] | string> = [
    `Server information for ${s("server_name")} (${s("server_id")})`,
    "",
    "Process Details:",
    ["Version", s("version") + (v.tsnats_version ? ` (tsnats ${s("tsnats_version")})` : "")],
    ["Go Version", s("go")],
    ["Start Time", s("start")],
    ["Uptime", s("uptime")],
    "",
    "Connection Details:",
    ["Auth Required", String(v.auth_required === true)],
    ["TLS Required", String(v.tls_required === true)],
    ["Host", `${s("host")}:${s("port")}`],
    ["Client URL", `nats://${s("host")}:${s("port")}`],
    "",
    "Limits:",
    ["Max Conn", s("max_connections")],
    ["Max Payload", v.max_payload === undefined ? "" : bytes(n("max_payload"))],
    ["Max Pending", v.max_pending === undefined ? "" : bytes(n("max_pending"))],
    ["Max Control Line", s("max_control_line")],
  ];
  if (v.in_msgs !== undefined) {
    lines.push(
      "",
      "Statistics:",
      ["CPU Cores", `${s("cores")} ${s("cpu")}%`],
      ["Memory", bytes(n("mem"))],
      ["Connections", s("connections")],
      ["Subscriptions", s("subscriptions")],
      ["Msgs", `${n("in_msgs").toLocaleString("en-US")} in ${n("out_msgs").toLocaleString("en-US")} out`],
      ["Bytes", `${bytes(n("in_bytes"))} in ${bytes(n("out_bytes"))} out`],
      ["Slow Consumers", s("slow_consumers")],
    );
  }
  for (const l of lines) {
    if (typeof l === "string") out(l);
    else if (l[1] !== "" && !/^(undefined|:)$/.test(l[1])) out(`${l[0].padStart(18)}: ${l[1]}`);
  }
  out("");
  out(`(from ${source})`);
}

function bytes(n: number): string {
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${u[i]}`;
}

async function ping(flags: Flags): Promise<number> {
  const count = int(flags, "count", 3);
  if (count < 1) throw new UsageError("--count must be at least 1");
  const timeoutMs = durationMs(flags, "timeout", 2000);
  const nc = await connectWith(flags, "tsnats server");
  try {
    const servers = await sysPing(nc, timeoutMs);
    if (servers.length > 0) {
      if (flags.json) out(JSON.stringify(servers));
      else {
        for (const p of servers) out(`${p.name.padEnd(30)} rtt=${p.rttMs.toFixed(3)}ms`);
        out("");
        out(`---- ping statistics ----\n${servers.length} replies`);
      }
      return 0;
    }
    const info = nc.info;
    const name = info?.server_name ?? info?.server_id ?? "server";
    const rtts: number[] = [];
    for (let i = 0; i < count; i++) {
      let rtt: number;
      try {
        // A flush is one PING/PONG round trip; timed here with sub-millisecond precision.
        const started = performance.now();
        await nc.flush();
        rtt = performance.now() - started;
      } catch (err) {
        throw new CommandError(`ping failed: ${describeError(err)}`);
      }
      rtts.push(rtt);
      if (!flags.json) out(`${name} rtt=${rtt.toFixed(3)}ms`);
    }
    const min = Math.min(...rtts);
    const max = Math.max(...rtts);
    const avg = rtts.reduce((a, b) => a + b, 0) / rtts.length;
    if (flags.json) out(JSON.stringify({ server: name, count, min_ms: min, avg_ms: avg, max_ms: max }));
    else out(`\n---- ${name} ping statistics ----\n${count} pings, min/avg/max = ${min.toFixed(3)}/${avg.toFixed(3)}/${max.toFixed(3)} ms`);
    return 0;
  } finally {
    await nc.close();
  }
}

/** Servers answering `$SYS.REQ.SERVER.PING` (system account only), with the time each took. */
async function sysPing(nc: NatsConnection, timeoutMs: number): Promise<Array<{ name: string; id: string; rttMs: number }>> {
  const started = performance.now();
  const found: Array<{ name: string; id: string; rttMs: number }> = [];
  try {
    const it = await nc.requestMany("$SYS.REQ.SERVER.PING", "", { strategy: "stall", stall: 300, maxWait: Math.min(timeoutMs, 1000) });
    for await (const m of it) {
      const v = m.json<{ server?: { name?: string; id?: string } }>();
      found.push({ name: v.server?.name ?? "", id: v.server?.id ?? "", rttMs: performance.now() - started });
    }
  } catch {
    // No responders: not a system account user; the caller falls back to RTT pings.
  }
  return found;
}

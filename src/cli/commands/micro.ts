/**
 * `tsnats micro ls|info|stats|ping`: the NATS micro protocol (ADR-32) from a terminal,
 * like the Go `nats micro` command. Discovery is scatter-gather: one request to
 * `$SRV.<VERB>[.<name>[.<id>]]`, every instance answers, replies are collected until
 * they stop coming (`--timeout` caps the wait).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { mergeServices } from "../../monitor/services.js";
import { CONNECTION_HELP, CommandError, connectWith, durationMs, out, parse, runCommand, UsageError, type Flags } from "./common.js";
import { comma, nanosText, renderTable } from "./table.js";

export const MICRO_HELP = `Usage: tsnats micro <command> [options]

  ls [NAME]            list service instances (all services, or one by name)
  info NAME [ID]       a service's description, endpoints and statistics
  stats NAME [ID]      request statistics per instance and endpoint, with totals
  ping [NAME [ID]]     which instances answer, and how fast

Options:
      --timeout DURATION how long to wait for answers (default 2s; stops earlier once they stop)
      --json             print the micro protocol responses as JSON
${CONNECTION_HELP}`;

type Json = Record<string, unknown>;

/** Wait this long after the last reply before deciding everyone has answered. */
const STALL_MS = 300;

export async function run(argv: string[]): Promise<number> {
  return runCommand("micro", MICRO_HELP, async () => {
    const { flags, args } = parse(argv, { timeout: { type: "string" }, json: { type: "boolean" } });
    if (flags.help) {
      process.stdout.write(MICRO_HELP);
      return 0;
    }
    const [verb, name, id, ...extra] = args;
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    if (verb !== "ls" && verb !== "info" && verb !== "stats" && verb !== "ping") {
      throw new UsageError(verb === undefined ? "missing command: ls, info, stats or ping" : `unknown command '${verb}'`);
    }
    if ((verb === "info" || verb === "stats") && name === undefined) throw new UsageError(`${verb} needs a service NAME`);
    if (verb === "ls" && id !== undefined) throw new UsageError(`unexpected argument '${id}'`);
    const timeoutMs = durationMs(flags, "timeout", 2000);
    const nc = await connectWith(flags, "tsnats micro");
    try {
      switch (verb) {
        case "ls":
          return await ls(nc, flags, timeoutMs, name);
        case "info":
          return await info(nc, flags, timeoutMs, name!, id);
        case "stats":
          return await stats(nc, flags, timeoutMs, name!, id);
        case "ping":
          return await ping(nc, flags, timeoutMs, name, id);
      }
    } finally {
      await nc.close();
    }
  });
}

/** `$SRV.VERB[.name[.id]]`. */
function discoverySubject(verb: string, name?: string, id?: string): string {
  return ["$SRV", verb, name, id].filter((t) => t !== undefined && t !== "").join(".");
}

/** Every reply to one discovery request, with the time each arrived after sending. */
async function collect(nc: NatsConnection, subject: string, timeoutMs: number): Promise<Array<{ body: Json; rttMs: number }>> {
  const started = performance.now();
  const replies: Array<{ body: Json; rttMs: number }> = [];
  try {
    const it = await nc.requestMany(subject, "", { strategy: "stall", stall: STALL_MS, maxWait: timeoutMs });
    for await (const m of it) {
      try {
        const body = m.json<Json>();
        if (body && typeof body === "object") replies.push({ body, rttMs: performance.now() - started });
      } catch {
        // Not a micro response: skip it, as `nats micro` does.
      }
    }
  } catch (err) {
    // No responders: nobody serves that name. Anything else is a real failure.
    if (!/no responders/i.test((err as Error).message)) throw err;
  }
  return replies;
}

const byNameThenId = (a: Json, b: Json): number => String(a.name).localeCompare(String(b.name)) || String(a.id).localeCompare(String(b.id));

function nothingFound(name: string | undefined, id: string | undefined): CommandError {
  return new CommandError(name === undefined ? "no micro services answered" : `no instance of service "${name}"${id ? ` with id ${id}` : ""} answered`);
}

async function ls(nc: NatsConnection, flags: Flags, timeoutMs: number, name?: string): Promise<number> {
  const infos = (await collect(nc, discoverySubject("INFO", name), timeoutMs)).map((r) => r.body).sort(byNameThenId);
  if (flags.json) {
    out(JSON.stringify(infos, null, 2));
    return 0;
  }
  if (infos.length === 0) {
    if (name !== undefined) throw nothingFound(name, undefined);
    out("No micro services found");
    return 0;
  }
  const rows = infos.map((i) => [String(i.name ?? ""), String(i.version ?? ""), String(i.id ?? ""), String(i.description ?? "")]);
  process.stdout.write(renderTable(["Name", "Version", "ID", "Description"], rows, { title: name === undefined ? "All Micro Services" : `${name} Micro Service` }));
  const services = new Set(infos.map((i) => i.name)).size;
  out(`${services} service${services === 1 ? "" : "s"}, ${infos.length} instance${infos.length === 1 ? "" : "s"}`);
  return 0;
}

async function info(nc: NatsConnection, flags: Flags, timeoutMs: number, name: string, id?: string): Promise<number> {
  const [infos, stats] = await Promise.all([
    collect(nc, discoverySubject("INFO", name, id), timeoutMs),
    collect(nc, discoverySubject("STATS", name, id), timeoutMs),
  ]);
  if (infos.length === 0) throw nothingFound(name, id);
  const merged = mergeServices(
    infos.map((r) => r.body),
    stats.map((r) => r.body),
  );
  if (flags.json) {
    out(JSON.stringify({ info: infos.map((r) => r.body).sort(byNameThenId), stats: stats.map((r) => r.body).sort(byNameThenId) }, null, 2));
    return 0;
  }
  for (const svc of merged) {
    const first = infos.find((r) => r.body.name === svc.name)?.body ?? {};
    out("Service Information");
    out("");
    out(`${"Service".padStart(14)}: ${svc.name}`);
    out(`${"Description".padStart(14)}: ${svc.description}`);
    out(`${"Version".padStart(14)}: ${svc.versions.join(", ")}`);
    out(`${"Instances".padStart(14)}: ${svc.instances.length} (${svc.instances.map((i) => i.id).join(", ")})`);
    const meta = first.metadata as Record<string, string> | undefined;
    if (meta && Object.keys(meta).length > 0) {
      out(`${"Metadata".padStart(14)}:`);
      for (const [k, v] of Object.entries(meta)) out(`${k.padStart(18)}: ${v}`);
    }
    out("");
    out("Endpoints:");
    out("");
    for (const e of svc.endpoints) {
      out(`${"Name".padStart(14)}: ${e.name}`);
      out(`${"Subject".padStart(14)}: ${e.subject}`);
      out(`${"Queue Group".padStart(14)}: ${e.queueGroup}`);
      out("");
    }
    out(`Statistics for ${svc.endpoints.length} Endpoint(s) over ${svc.instances.length} instance(s):`);
    out("");
    const rows = svc.endpoints.map((e) => [e.name, comma(e.numRequests), e.queueGroup, comma(e.numErrors), nanosText(e.processingTimeNs), nanosText(e.averageProcessingTimeNs), e.lastError]);
    process.stdout.write(renderTable(["Endpoint", "Requests", "Queue Group", "Errors", "Processing Time", "Average Time", "Last Error"], rows, { right: [1, 3, 4, 5] }));
  }
  return 0;
}

async function stats(nc: NatsConnection, flags: Flags, timeoutMs: number, name: string, id?: string): Promise<number> {
  const replies = (await collect(nc, discoverySubject("STATS", name, id), timeoutMs)).map((r) => r.body).sort(byNameThenId);
  if (replies.length === 0) throw nothingFound(name, id);
  if (flags.json) {
    out(JSON.stringify(replies, null, 2));
    return 0;
  }
  const rows: string[][] = [];
  let requests = 0;
  let errors = 0;
  let timeNs = 0;
  for (const r of replies) {
    const eps = Array.isArray(r.endpoints) ? (r.endpoints as Json[]) : [];
    for (const e of eps) {
      const n = Number(e.num_requests ?? 0);
      const err = Number(e.num_errors ?? 0);
      const t = Number(e.processing_time ?? 0);
      requests += n;
      errors += err;
      timeNs += t;
      rows.push([String(r.id), String(e.name), comma(n), comma(err), nanosText(t), nanosText(Number(e.average_processing_time ?? 0))]);
    }
  }
  const avg = requests > 0 ? timeNs / requests : 0;
  process.stdout.write(
    renderTable(["ID", "Endpoint", "Requests", "Errors", "Processing Time", "Average Time"], rows, {
      title: `${name} Service Statistics`,
      right: [2, 3, 4, 5],
      footer: ["", "", comma(requests), comma(errors), nanosText(timeNs), nanosText(avg)],
    }),
  );
  return 0;
}

async function ping(nc: NatsConnection, flags: Flags, timeoutMs: number, name?: string, id?: string): Promise<number> {
  const replies = await collect(nc, discoverySubject("PING", name, id), timeoutMs);
  replies.sort((a, b) => byNameThenId(a.body, b.body));
  if (flags.json) {
    out(JSON.stringify(replies.map((r) => ({ ...r.body, rtt_ms: Math.round(r.rttMs * 1000) / 1000 })), null, 2));
    return replies.length > 0 || name === undefined ? 0 : 1;
  }
  if (replies.length === 0) throw nothingFound(name, id);
  const w = Math.max(...replies.map((r) => String(r.body.name).length));
  for (const r of replies) out(`${String(r.body.name).padEnd(w)}  ${String(r.body.id)}  ${String(r.body.version ?? "").padEnd(8)}  ${r.rttMs.toFixed(2)}ms`);
  out("");
  out("---- ping statistics ----");
  out(`${replies.length} replies`);
  return 0;
}

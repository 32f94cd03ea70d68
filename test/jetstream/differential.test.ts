/**
 * The same sequence of `$JS.API` requests (and publishes) sent to tsnats and to the real
 * nats-server (Debian's 2.9.10), responses compared as JSON: ids, names the server
 * generates, timestamps and server names are masked; fields nats-server 2.9 does not have
 * yet (2.10's) are allowed only when listed; every other difference fails the test, except
 * the few steps listed in KNOWN with the reason they differ.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { startServer, type NatsServer } from "../../src/index.js";
import { natsServerBinary, startNatsServer, type RunningNatsServer } from "../helpers/nats-server.js";
import { DIFF_STEPS, type Step } from "./differential-steps.js";

/** Response fields 2.10 added that 2.9.10 does not send (by key, or by path suffix). */
const NEW_IN_210 = new Set([
  ".config.name",
  "compression",
  "consumer_limits",
  "reserved_memory",
  "reserved_storage",
  "cluster",
  "ts",
  "metadata",
  "first_seq",
  "subject_transform",
]);

/** Steps whose answers differ on purpose, with why. */
export const KNOWN: Record<string, string> = {
  "unknown api subject": "2.9 does not answer unknown API subjects; 2.10 answers bad request (10003)",
  "create: api overlap": "2.10 reworded it: 'subjects that overlap with jetstream api require no-ack to be true'",
  "update: to workqueue": "2.10 reworded it: 'can not change retention policy to/from workqueue'",
  "stream info after deletes": "2.9.10's memory store leaves a deleted last sequence out of `deleted` ([3] with num_deleted 2); 2.10 lists [3,4], as tsnats does",
};

/** Values masked before comparing: generated, time-dependent or server-specific. */
const MASKED = new Set(["created", "ts", "first_ts", "last_ts", "time", "last_active", "leader", "server_id", "domain"]);

function normalize(v: unknown, generated: Set<string>, key = ""): unknown {
  if (Array.isArray(v)) {
    const items = v.map((x) => normalize(x, generated));
    // Generated names sort anywhere: compare consumer lists as sets.
    return key === "consumers" ? items.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) : items;
  }
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = MASKED.has(k) ? "<masked>" : normalize(x, generated, k);
    return out;
  }
  if (typeof v === "string" && generated.has(v)) return "<generated>";
  return v;
}

/** Differences between nats-server's (`ref`) and tsnats's (`got`) normalized JSON. */
function compare(ref: unknown, got: unknown, path: string, out: string[]): void {
  if (ref !== null && got !== null && typeof ref === "object" && typeof got === "object" && !Array.isArray(ref) && !Array.isArray(got)) {
    const r = ref as Record<string, unknown>;
    const g = got as Record<string, unknown>;
    for (const k of Object.keys(r)) {
      if (!(k in g)) out.push(`${path}.${k}: missing (nats-server: ${JSON.stringify(r[k])})`);
      else compare(r[k], g[k], `${path}.${k}`, out);
    }
    for (const k of Object.keys(g)) {
      if (k in r || NEW_IN_210.has(k) || [...NEW_IN_210].some((p) => p.startsWith(".") && `${path}.${k}`.endsWith(p))) continue;
      out.push(`${path}.${k}: extra ${JSON.stringify(g[k])}`);
    }
    return;
  }
  if (Array.isArray(ref) && Array.isArray(got)) {
    if (ref.length !== got.length) out.push(`${path}: length ${got.length}, nats-server ${ref.length}`);
    for (let i = 0; i < Math.min(ref.length, got.length); i++) compare(ref[i], got[i], `${path}[${i}]`, out);
    return;
  }
  if (JSON.stringify(ref) !== JSON.stringify(got)) out.push(`${path}: ${JSON.stringify(got)}, nats-server ${JSON.stringify(ref)}`);
}

/** Runs the steps on one server; each answer as parsed JSON, a status line, or "timeout". */
async function run(nc: NatsConnection, steps: readonly Step[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const s of steps) {
    const body = s.body === undefined ? "" : typeof s.body === "string" ? s.body : JSON.stringify(s.body);
    try {
      let h: ReturnType<typeof headers> | undefined;
      if (s.headers !== undefined) {
        h = headers();
        for (const [k, v] of Object.entries(s.headers)) h.set(k, v);
      }
      const m = await nc.request(s.subject, body, { timeout: 1500, headers: h });
      if (m.headers?.code !== undefined && m.headers.code !== 0) out.push(`status ${m.headers.code} ${m.headers.description}`);
      else out.push(m.data.length === 0 ? "" : JSON.parse(m.string()));
    } catch (err) {
      out.push(`error ${(err as Error).name}`);
    }
  }
  return out;
}

/** Names the servers make up (ephemeral consumers): collected so both sides mask them. */
function generatedNames(results: unknown[]): Set<string> {
  const names = new Set<string>();
  for (const r of results) {
    const o = r as { type?: string; name?: string; config?: { durable_name?: string } } | null;
    if (o?.type?.endsWith("consumer_create_response") && o.name !== undefined && o.config?.durable_name === undefined) names.add(o.name);
  }
  return names;
}

const bin = natsServerBinary();

describe("JetStream API: tsnats and nats-server answer alike", { skip: bin === null ? "nats-server not installed" : false }, () => {
  let ref: RunningNatsServer;
  let ours: NatsServer;
  let refDir: string;
  let ourDir: string;
  before(async () => {
    refDir = mkdtempSync(join(tmpdir(), "diff-ref-"));
    ourDir = mkdtempSync(join(tmpdir(), "diff-ours-"));
    ref = await startNatsServer(bin!, ["-js", "-sd", refDir]);
    ours = await startServer({ port: -1, host: "127.0.0.1", jetstream: true, storeDir: ourDir });
  });
  after(async () => {
    await ref?.stop();
    await ours?.close();
    rmSync(refDir, { recursive: true, force: true });
    rmSync(ourDir, { recursive: true, force: true });
  });

  test("every step answers the same (minus ids, times and 2.10 additions)", async () => {
    const ncRef = await connect({ port: ref.port });
    const ncOurs = await connect({ servers: ours.clientURL });
    const want = await run(ncRef, DIFF_STEPS);
    const got = await run(ncOurs, DIFF_STEPS);
    await ncRef.close();
    await ncOurs.close();
    const genRef = generatedNames(want);
    const genOurs = generatedNames(got);
    const problems: string[] = [];
    DIFF_STEPS.forEach((s, i) => {
      if (s.name in KNOWN) return;
      const diffs: string[] = [];
      compare(normalize(want[i], genRef), normalize(got[i], genOurs), "", diffs);
      for (const d of diffs) problems.push(`${s.name}: ${d}`);
    });
    if (process.env.DIFF_DUMP) writeFileSync(process.env.DIFF_DUMP, JSON.stringify({ want, got }, null, 1));
    assert.deepEqual(problems, []);
  });
});

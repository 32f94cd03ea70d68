/**
 * JetStream API requests for the `stream` and `consumer` commands: plain requests to
 * `$JS.API.*` (any NATS server with JetStream answers them), errors turned into one
 * readable line, and the formatting helpers the Go `nats` CLI output uses.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { CommandError, describeError } from "./common.js";

export type Json = Record<string, any>;

/** Sends a JetStream API request; throws a CommandError with nats-server's description on error. */
export async function jsApi(nc: NatsConnection, subject: string, body: unknown = undefined, timeoutMs = 5000): Promise<Json> {
  let m;
  try {
    m = await nc.request(`$JS.API.${subject}`, body === undefined ? "" : JSON.stringify(body), { timeout: timeoutMs });
  } catch (err) {
    const why = describeError(err);
    if (/no responders/i.test(why)) throw new CommandError("JetStream is not enabled on this server (no responders)");
    throw new CommandError(`JetStream API request failed: ${why}`);
  }
  const r = m.json<Json>();
  if (r.error) throw new CommandError(`${r.error.description} (${r.error.err_code})`);
  return r;
}

/** Every item of a paged LIST request (`key` is "streams" or "consumers"). */
export async function listAll(nc: NatsConnection, subject: string, key: string): Promise<Json[]> {
  const items: Json[] = [];
  for (;;) {
    const page = await jsApi(nc, subject, { offset: items.length });
    const got = (page[key] as Json[] | null) ?? [];
    items.push(...got);
    if (items.length >= page.total || got.length === 0) return items;
  }
}

/** `2024-01-02 03:04:05` (the Go CLI's time format), or "never". */
export function when(iso: string | undefined): string {
  if (iso === undefined || iso.startsWith("0001-")) return "never";
  return iso.replace("T", " ").replace(/\.\d+/, "").replace("Z", "");
}

/** How long ago, as the Go CLI prints it ("3s", "2m10s", "never"). */
export function ago(iso: string | undefined): string {
  if (iso === undefined || iso.startsWith("0001-")) return "never";
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  const h = Math.floor(s / 3600);
  return `${h}h${Math.floor((s % 3600) / 60)}m`;
}

/** Byte sizes as the Go CLI prints them ("1.2 KiB"). */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = n;
  let i = -1;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** A limit: "unlimited" for -1/0, else the value. */
export function limit(n: number | undefined, fmt: (n: number) => string = String): string {
  return n === undefined || n <= 0 ? "unlimited" : fmt(n);
}

/** Nanoseconds as a Go duration ("2m0s", "30s", "1h0m0s"). */
export function goDuration(ns: number): string {
  if (ns <= 0) return "0s";
  let s = ns / 1e9;
  if (s < 1) return `${Math.round(ns / 1e6)}ms`;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const sec = `${Number(s.toFixed(3))}s`;
  return h > 0 ? `${h}h${m}m${sec}` : m > 0 ? `${m}m${sec}` : sec;
}

/** `Key: value` lines right-aligned on the colon, as the Go CLI's info pages. */
export function section(rows: Array<[string, string | undefined]>): string[] {
  const shown = rows.filter((r): r is [string, string] => r[1] !== undefined);
  const w = Math.max(...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${k.padStart(w + 2)}: ${v}`);
}

export function title(s: string): string {
  return s === "" ? s : s[0]!.toUpperCase() + s.slice(1);
}

/**
 * The dashboard's services panel: learns the NATS micro services running against this
 * server the way `nats micro` does, by scatter-gather requests to `$SRV.INFO` and
 * `$SRV.STATS` (ADR-32). The server asks in every account through its own internal
 * subscriptions (Server.requestManyInternal): no connection, no credentials, and only
 * while a dashboard asks for services.
 */
import type { Server } from "../server/server.js";

/** Minimum time between two discovery rounds. */
export const POLL_INTERVAL_MS = 2000;
/** A discovery round waits at most this long, or this long after the last reply. */
const MAX_WAIT_MS = 1000;
const STALL_MS = 250;

/** One endpoint of one instance, or summed over instances. */
export interface EndpointView {
  name: string;
  subject: string;
  queueGroup: string;
  numRequests: number;
  numErrors: number;
  /** Total processing time in nanoseconds (micro protocol units). */
  processingTimeNs: number;
  averageProcessingTimeNs: number;
  lastError: string;
}

export interface InstanceView {
  id: string;
  version: string;
  started: string;
  endpoints: EndpointView[];
  numRequests: number;
  numErrors: number;
}

export interface ServiceView {
  name: string;
  description: string;
  versions: string[];
  instances: InstanceView[];
  /** Per endpoint name, summed over instances. */
  endpoints: EndpointView[];
  numRequests: number;
  numErrors: number;
  averageProcessingTimeNs: number;
  lastError: string;
}

export interface ServicesSnapshot {
  /** False when the monitor could not reach its server (the reason is in `error`). */
  available: boolean;
  error: string;
  /** Epoch ms of the discovery round this came from; 0 before the first. */
  updatedMs: number;
  services: ServiceView[];
}

type Json = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/**
 * Pure merge of `$SRV.INFO` and `$SRV.STATS` replies into services with their instances:
 * an instance is any id that answered either; stats fill in the numbers. Averages over
 * instances are total processing time over total requests.
 */
export function mergeServices(infos: Json[], stats: Json[]): ServiceView[] {
  const byId = new Map<string, { info?: Json; stats?: Json }>();
  for (const i of infos) if (str(i.id)) byId.set(str(i.id), { ...byId.get(str(i.id)), info: i });
  for (const s of stats) if (str(s.id)) byId.set(str(s.id), { ...byId.get(str(s.id)), stats: s });
  const services = new Map<string, ServiceView>();
  for (const [id, { info, stats: st }] of byId) {
    const name = str(info?.name) || str(st?.name);
    if (name === "") continue;
    let svc = services.get(name);
    if (!svc) {
      svc = { name, description: str(info?.description), versions: [], instances: [], endpoints: [], numRequests: 0, numErrors: 0, averageProcessingTimeNs: 0, lastError: "" };
      services.set(name, svc);
    }
    const version = str(info?.version) || str(st?.version);
    if (!svc.versions.includes(version)) svc.versions.push(version);
    if (svc.description === "") svc.description = str(info?.description);
    svc.instances.push(instanceView(id, version, info, st));
  }
  const out = [...services.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const svc of out) summarise(svc);
  return out;
}

function instanceView(id: string, version: string, info: Json | undefined, st: Json | undefined): InstanceView {
  const eps = new Map<string, EndpointView>();
  for (const e of asArray(info?.endpoints)) {
    eps.set(str(e.name), endpointView(e));
  }
  for (const e of asArray(st?.endpoints)) {
    eps.set(str(e.name), { ...(eps.get(str(e.name)) ?? endpointView(e)), ...statsOf(e) });
  }
  const endpoints = [...eps.values()];
  return {
    id,
    version,
    started: str(st?.started),
    endpoints,
    numRequests: endpoints.reduce((n, e) => n + e.numRequests, 0),
    numErrors: endpoints.reduce((n, e) => n + e.numErrors, 0),
  };
}

function endpointView(e: Json): EndpointView {
  return { name: str(e.name), subject: str(e.subject), queueGroup: str(e.queue_group), numRequests: 0, numErrors: 0, processingTimeNs: 0, averageProcessingTimeNs: 0, lastError: "", ...statsOf(e) };
}

function statsOf(e: Json): Partial<EndpointView> {
  if (!("num_requests" in e)) return {};
  return {
    numRequests: num(e.num_requests),
    numErrors: num(e.num_errors),
    processingTimeNs: num(e.processing_time),
    averageProcessingTimeNs: num(e.average_processing_time),
    lastError: str(e.last_error),
  };
}

function summarise(svc: ServiceView): void {
  svc.instances.sort((a, b) => (a.id < b.id ? -1 : 1));
  const eps = new Map<string, EndpointView>();
  let totalNs = 0;
  for (const inst of svc.instances) {
    for (const e of inst.endpoints) {
      const sum = eps.get(e.name) ?? { ...e, numRequests: 0, numErrors: 0, processingTimeNs: 0, averageProcessingTimeNs: 0, lastError: "" };
      sum.numRequests += e.numRequests;
      sum.numErrors += e.numErrors;
      sum.processingTimeNs += e.processingTimeNs;
      if (e.lastError) sum.lastError = e.lastError;
      eps.set(e.name, sum);
    }
  }
  for (const e of eps.values()) {
    e.averageProcessingTimeNs = e.numRequests > 0 ? Math.round(e.processingTimeNs / e.numRequests) : 0;
    svc.numRequests += e.numRequests;
    svc.numErrors += e.numErrors;
    totalNs += e.processingTimeNs;
    if (e.lastError) svc.lastError = e.lastError;
  }
  svc.endpoints = [...eps.values()];
  svc.averageProcessingTimeNs = svc.numRequests > 0 ? Math.round(totalNs / svc.numRequests) : 0;
}

function asArray(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter((x): x is Json => typeof x === "object" && x !== null) : [];
}

function parseReplies(replies: Buffer[]): Json[] {
  const out: Json[] = [];
  for (const data of replies) {
    try {
      const v: unknown = JSON.parse(data.toString("utf8"));
      if (typeof v === "object" && v !== null) out.push(v as Json);
    } catch {
      // Not a micro reply: ignore it, as `nats micro` does.
    }
  }
  return out;
}

/** Keeps the latest services snapshot fresh while somebody looks at it. */
export class ServiceWatcher {
  private inFlight: Promise<void> | null = null;
  private stopped = false;
  latest: ServicesSnapshot = { available: true, error: "", updatedMs: 0, services: [] };

  constructor(private readonly server: Server) {}

  /**
   * The latest snapshot. Starts a new discovery round when the last is older than
   * {@link POLL_INTERVAL_MS}; waits for it only on first use, so a page loads with data.
   */
  async snapshot(): Promise<ServicesSnapshot> {
    if (this.stopped) return this.latest;
    if (this.inFlight === null && Date.now() - this.latest.updatedMs >= POLL_INTERVAL_MS) {
      this.inFlight = this.poll().finally(() => (this.inFlight = null));
    }
    if (this.latest.updatedMs === 0 && this.inFlight) await this.inFlight;
    return this.latest;
  }

  private async poll(): Promise<void> {
    try {
      const [infos, stats] = await Promise.all([
        this.server.requestManyInternal("$SRV.INFO", MAX_WAIT_MS, STALL_MS),
        this.server.requestManyInternal("$SRV.STATS", MAX_WAIT_MS, STALL_MS),
      ]);
      this.latest = { available: true, error: "", updatedMs: Date.now(), services: mergeServices(parseReplies(infos), parseReplies(stats)) };
    } catch (err) {
      this.latest = { available: false, error: (err as Error).message, updatedMs: Date.now(), services: [] };
    }
  }

  /** Stops discovery; called on server shutdown. */
  stop(): void {
    this.stopped = true;
  }
}

/**
 * The JetStream API on `$JS.API.>` (nats-server jetstream_api.go): requests arrive through
 * one internal subscription per account (so the account is known without a client info
 * header), wait in one bounded queue, and are handled a bounded amount per event-loop
 * turn, so a flood of API requests cannot starve client traffic. A request that finds the
 * queue full is answered at once with a `system_overloaded` error, and a
 * `$JS.EVENT.ADVISORY.API.LIMIT_REACHED` advisory tells operators.
 *
 * Pull requests (`CONSUMER.MSG.NEXT`) and direct gets (`DIRECT.GET`) are data-path
 * subjects with their own subscriptions on each consumer / stream, as in nats-server; this
 * subscription ignores them, so a request for a missing consumer gets no responders.
 */
import { nuid } from "@nats-io/nuid";
import type { Account } from "../accounts/account.js";
import type { Subscription } from "../server/subscription.js";
import { encode, type Field, type Schema } from "./codec.js";
import { JsApiError, jsError, type ApiError } from "./errors.js";
import type { JetStream } from "./jetstream.js";
import type { JsAccount } from "./js-account.js";
import { RESPONSE_FIELDS } from "./types.js";
import { formatTime } from "./time.js";

export const API_PREFIX = "$JS.API.";
/** JSDefaultRequestQueueLimit. */
export const DEFAULT_REQUEST_QUEUE_LIMIT = 10_000;
/** How long one turn may spend on API requests before yielding to I/O. */
const TURN_BUDGET_MS = 5;
export const SYSTEM_RESPONSE_TYPE = "io.nats.jetstream.api.v1.system_response";
export const OVERLOADED_TYPE = "io.nats.jetstream.api.v1.system_overloaded";
const LIMIT_REACHED_SUBJECT = "$JS.EVENT.ADVISORY.API.LIMIT_REACHED";
const AUDIT_SUBJECT = "$JS.EVENT.ADVISORY.API";

/** One queued request. */
export interface ApiRequest {
  account: Account;
  /** The subject with any domain prefix turned into `$JS.API.`. */
  subject: string;
  reply: string;
  /** Headers of the request, or null. */
  hdr: Buffer | null;
  /** The request body (after the headers). */
  body: Buffer;
}

/** A handler answers with a whole response JSON text, or throws a {@link JsApiError}. */
export type ApiHandler = (js: JetStream, jsa: JsAccount, req: ApiRequest) => string | Promise<string>;

interface Route {
  /** Response type, for errors raised before the handler could build one. */
  type: string;
  /** Fields an error response of this type carries besides type/error, and their values. */
  errorFields: Schema;
  errorDefaults: object;
  /** A success is not counted in the API stats (nats-server's MSG.GET answers directly). */
  untracked: boolean;
  handler: ApiHandler;
}

/** Options of a route. */
export interface RouteOptions {
  errorFields?: Schema;
  errorDefaults?: object;
  untracked?: boolean;
}

/** Routes by the subject after `$JS.API.`, with `*` for name tokens; `>` only as last token. */
export class ApiRouter {
  private readonly routes = new Map<string, Route>();

  add(pattern: string, type: string, handler: ApiHandler, opts: RouteOptions = {}): void {
    this.routes.set(pattern, {
      type,
      errorFields: opts.errorFields ?? [],
      errorDefaults: opts.errorDefaults ?? {},
      untracked: opts.untracked === true,
      handler,
    });
  }

  /** The route for `$JS.API.<rest>`, trying exact tokens then `*` per position. */
  find(rest: string): Route | undefined {
    const tokens = rest.split(".");
    for (const [pattern, route] of this.routes) if (patternMatches(pattern, tokens)) return route;
    return undefined;
  }
}

function patternMatches(pattern: string, tokens: readonly string[]): boolean {
  const p = pattern.split(".");
  for (let i = 0; i < p.length; i++) {
    const t = p[i]!;
    if (t === ">") return tokens.length > i;
    if (i >= tokens.length) return false;
    if (t !== "*" && t !== tokens[i]) return false;
  }
  return p.length === tokens.length;
}

/** A whole API response: `{"type":..,"error":..}` plus the given parts' fields. */
export function apiResponse(type: string, error: ApiError | undefined, ...parts: Array<readonly [object, Schema] | null>): string {
  const head = encode({ type, error }, RESPONSE_FIELDS);
  let out = head.slice(0, -1);
  for (const part of parts) {
    if (part === null) continue;
    const inner = encode(part[0], part[1]).slice(1, -1);
    if (inner !== "") out += `,${inner}`;
  }
  return `${out}}`;
}

/** nats-server isEmptyRequest: no body, `{}`, or a JSON object without keys. */
export function isEmptyRequest(body: Buffer): boolean {
  if (body.length === 0) return true;
  const text = body.toString("utf8").trim();
  if (text === "" || text === "{}") return true;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
  } catch {
    return false;
  }
}

/** The API queue and dispatcher of one JetStream engine. */
export class ApiServer {
  readonly router = new ApiRouter();
  private readonly queue: ApiRequest[] = [];
  private head = 0;
  private draining = false;
  private readonly subs: Subscription[] = [];
  /** Requests refused because the queue was full. */
  dropped = 0;
  total = 0;
  errors = 0;

  constructor(
    private readonly js: JetStream,
    readonly queueLimit: number,
  ) {}

  /** Requests waiting to be handled. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  /** Subscribes the API in `account` (`$JS.API.>`, and `$JS.<domain>.API.>` with a domain). */
  subscribe(account: Account): void {
    const server = this.js.server;
    this.subs.push(server.subscribeInternal(account, `${API_PREFIX}>`, (s, r, h, d) => this.onRequest(account, s, r, h, d)));
    const domain = this.js.config.domain;
    if (domain !== "") {
      const pre = `$JS.${domain}.API.`;
      this.subs.push(
        server.subscribeInternal(account, `${pre}>`, (s, r, h, d) => this.onRequest(account, API_PREFIX + s.slice(pre.length), r, h, d)),
      );
    }
  }

  unsubscribeAll(): void {
    for (const s of this.subs) this.js.server.unsubscribeInternal(s);
    this.subs.length = 0;
  }

  private onRequest(account: Account, subject: string, reply: string, hdrLen: number, data: Buffer): void {
    const rest = subject.slice(API_PREFIX.length);
    if (rest.startsWith("CONSUMER.MSG.NEXT.") || rest.startsWith("DIRECT.GET.")) return;
    const hdr = hdrLen > 0 ? data.subarray(0, hdrLen) : null;
    const body = hdrLen > 0 ? data.subarray(hdrLen) : data;
    const req: ApiRequest = { account, subject, reply, hdr, body };
    if (this.pending >= this.queueLimit) {
      this.refuse(req);
      return;
    }
    this.queue.push(req);
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => void this.drain());
    }
  }

  /**
   * Handles queued requests in arrival order, TURN_BUDGET_MS at a time, yielding to I/O
   * in between. Handlers that wait for a store (create, delete) are awaited in turn.
   */
  private async drain(): Promise<void> {
    let start = performance.now();
    while (this.head < this.queue.length) {
      const req = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as ApiRequest;
      const p = this.handle(req);
      if (p !== null) await p;
      if (performance.now() - start >= TURN_BUDGET_MS) {
        if (this.head > 1024) {
          this.queue.splice(0, this.head);
          this.head = 0;
        }
        await new Promise((resolve) => setImmediate(resolve));
        start = performance.now();
      }
    }
    this.queue.length = 0;
    this.head = 0;
    this.draining = false;
  }

  /** Dispatches one request and sends its response; a Promise when the handler is async. */
  handle(req: ApiRequest): Promise<void> | null {
    const rest = req.subject.slice(API_PREFIX.length);
    const route = this.router.find(rest);
    const jsa = this.js.accountFor(req.account);
    if (route === undefined) return this.finish(req, jsa, apiResponse(SYSTEM_RESPONSE_TYPE, jsError("JSBadRequestErr")), true);
    if (jsa === null) {
      return this.finish(req, jsa, apiResponse(route.type, jsError("JSNotEnabledForAccountErr"), [route.errorDefaults, route.errorFields]), true);
    }
    const fail = (err: unknown): null => {
      const apiError = err instanceof JsApiError ? err.apiError : this.internalError(req, err);
      return this.finish(req, jsa, apiResponse(route.type, apiError, [route.errorDefaults, route.errorFields]), true);
    };
    let out: string | Promise<string>;
    try {
      out = route.handler(this.js, jsa, req);
    } catch (err) {
      return fail(err);
    }
    if (typeof out === "string") return this.finish(req, route.untracked ? null : jsa, out, false, route.untracked);
    return out.then(
      (text) => void this.finish(req, jsa, text, false),
      (err: unknown) => void fail(err),
    );
  }

  private finish(req: ApiRequest, jsa: JsAccount | null, response: string, failed: boolean, untracked = false): null {
    if (!untracked) this.track(jsa, failed);
    if (req.reply !== "") this.js.sender.send(req.account, req.reply, "", null, response);
    this.audit(req, response);
    return null;
  }

  private internalError(req: ApiRequest, err: unknown): ApiError {
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    this.js.server.logger.error(`JetStream API request on "${req.subject}" failed: ${detail}`);
    return jsError("JSStreamGeneralErrorF", { err: err instanceof Error ? err.message : String(err) });
  }

  private track(jsa: JsAccount | null, failed: boolean): void {
    this.total++;
    if (failed) this.errors++;
    if (jsa !== null) {
      jsa.apiTotal++;
      if (failed) jsa.apiErrors++;
    }
  }

  /** A request that found the queue full: answered at once, and an advisory once per burst. */
  private refuse(req: ApiRequest): void {
    this.dropped++;
    this.errors++;
    this.total++;
    if (req.reply !== "") {
      this.js.sender.send(req.account, req.reply, "", null, apiResponse(OVERLOADED_TYPE, jsError("JSClusterNotAvailErr")));
    }
    const sys = this.js.server.systemAccount;
    if (this.dropped % 1000 === 1 && this.js.sender.hasInterest(sys, LIMIT_REACHED_SUBJECT)) {
      const adv = {
        type: "io.nats.jetstream.advisory.v1.api_limit_reached",
        id: nuid.next(),
        timestamp: formatTime(this.js.clock()),
        server: this.js.server.name,
        domain: this.js.config.domain || undefined,
        dropped: this.dropped,
      };
      this.js.sender.send(sys, LIMIT_REACHED_SUBJECT, "", null, JSON.stringify(adv));
    }
  }

  /** `$JS.EVENT.ADVISORY.API` audit advisory, built only when someone listens. */
  private audit(req: ApiRequest, response: string): void {
    if (!this.js.sender.hasInterest(req.account, AUDIT_SUBJECT)) return;
    const adv = {
      type: "io.nats.jetstream.advisory.v1.api_audit",
      id: nuid.next(),
      timestamp: formatTime(this.js.clock()),
      server: this.js.server.name,
      client: { acc: req.account.name },
      subject: req.subject,
      request: req.body.length > 0 ? req.body.toString("utf8") : undefined,
      response,
      domain: this.js.config.domain || undefined,
    };
    this.js.sender.send(req.account, AUDIT_SUBJECT, "", null, JSON.stringify(adv));
  }
}

/** Error responses of list/info types carry these zero-valued paging fields. */
export const PAGED_ERROR_FIELDS: Field[] = [
  ["total", "int"],
  ["offset", "int"],
  ["limit", "int"],
];

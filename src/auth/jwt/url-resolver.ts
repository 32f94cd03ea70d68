/**
 * `resolver: URL("http://host:port/jwt/v1/accounts/")` (nats-server accounts.go
 * URLAccResolver): an account's JWT is fetched on demand with an HTTP GET of
 * `<url><account public key>` (a `/` is added to the URL when missing), 2 s timeout, and
 * anything but 200 is `could not fetch <"url">: <status>`. Fetches never block the event
 * loop: a login whose account is not known yet waits (its connection's parsing suspended)
 * on `prefetch`, and logins for the same account share one request. Fetched JWTs are kept
 * in memory (the server's account table holds them anyway); a failure is not kept, so the
 * next login asks again. Updates to accounts in use replace the kept JWT, as MEMORY does.
 */
import type http from "node:http";
import type https from "node:https";
import { readFileSync } from "node:fs";
import type { TlsOptions } from "../../server/options.js";
import type { AccountResolver } from "./resolver.js";
import { lazyRequire } from "../../util/lazy-require.js";

/** node:http and node:https (which loads node:tls) load only when a URL resolver is configured. */
const httpModule = lazyRequire<typeof http>("node:http");
const httpsModule = lazyRequire<typeof https>("node:https");

/** nats-server NewURLAccResolver: `http.Client{Timeout: 2 * time.Second}`. */
export const URL_FETCH_TIMEOUT_MS = 2000;
/** A response body larger than this is refused (an account JWT is a few KB). */
export const MAX_JWT_BYTES = 1024 * 1024;
/** nats-server's transport keeps 10 idle connections (MaxIdleConns) for 30 s. */
const MAX_SOCKETS = 10;
const IDLE_TIMEOUT_MS = 30_000;

export class UrlResolver implements AccountResolver {
  readonly kind = "url";
  readonly acceptsUpdates = false;
  readonly allowDelete = false;
  readonly remote = true;
  readonly url: string;
  private readonly jwts = new Map<string, string>();
  private readonly inflight = new Map<string, Promise<string | null>>();
  private readonly agent: http.Agent;
  private readonly get: typeof http.get;

  /** `log` receives why a fetch failed (nats-server logs it as the lookup error). */
  constructor(
    url: string,
    tls: TlsOptions | undefined,
    private readonly log: (msg: string) => void,
  ) {
    this.url = url.endsWith("/") ? url : `${url}/`;
    const secure = this.url.startsWith("https:");
    const agentOptions: https.AgentOptions = { keepAlive: true, maxSockets: MAX_SOCKETS, maxFreeSockets: MAX_SOCKETS, timeout: IDLE_TIMEOUT_MS };
    if (secure && tls !== undefined) {
      if (tls.caFile !== undefined) agentOptions.ca = readFileSync(tls.caFile);
      if (tls.certFile !== undefined) agentOptions.cert = readFileSync(tls.certFile);
      if (tls.keyFile !== undefined) agentOptions.key = readFileSync(tls.keyFile);
      if (tls.insecure === true) agentOptions.rejectUnauthorized = false;
    }
    const lib = secure ? httpsModule() : httpModule();
    this.agent = new lib.Agent(agentOptions);
    this.get = lib.get as typeof http.get;
  }

  /** The JWT fetched earlier (or updated since), else undefined: call prefetch first. */
  fetch(account: string): string | undefined {
    return this.jwts.get(account);
  }

  /**
   * Fetches `account`'s JWT unless it is known (or always when `force`: an expired account's
   * may have been renewed); concurrent calls share one request. Never rejects: a failure is
   * logged, leaves what was known as it was, and is what it resolves with.
   */
  prefetch(account: string, force = false): Promise<string | null> {
    if (!force && this.jwts.has(account)) return Promise.resolve(null);
    let p = this.inflight.get(account);
    if (p === undefined) {
      p = this.request(this.url + account).then(
        (jwt) => {
          this.jwts.set(account, jwt);
          return null;
        },
        (err: Error) => {
          this.log(err.message);
          return err.message;
        },
      );
      const done = p.finally(() => this.inflight.delete(account));
      this.inflight.set(account, done);
      p = done;
    }
    return p;
  }

  private request(url: string): Promise<string> {
    const failed = (why: string): Error => new Error(`could not fetch <${JSON.stringify(url)}>: ${why}`);
    return new Promise((resolve, reject) => {
      const req = this.get(url, { agent: this.agent }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(failed(`${res.statusCode} ${res.statusMessage ?? ""}`.trim()));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (d: Buffer) => {
          size += d.length;
          if (size > MAX_JWT_BYTES) req.destroy(failed(`response larger than ${MAX_JWT_BYTES} bytes`));
          else chunks.push(d);
        });
        res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8").trim()));
        res.on("error", (err) => reject(failed(err.message)));
      });
      const timer = setTimeout(() => req.destroy(failed("timeout awaiting response (Client.Timeout exceeded)")), URL_FETCH_TIMEOUT_MS);
      req.on("error", (err) => reject(err.message.startsWith("could not fetch") ? err : failed(err.message)));
      req.on("close", () => clearTimeout(timer));
    });
  }

  store(account: string, jwt: string): void {
    this.jwts.set(account, jwt);
  }

  delete(account: string): void {
    this.jwts.delete(account);
  }

  list(): string[] {
    return [...this.jwts.keys()];
  }

  /** Ends the kept-alive connections (at server shutdown). */
  close(): void {
    this.agent.destroy();
  }
}

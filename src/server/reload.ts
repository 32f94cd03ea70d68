/**
 * Config reload (SIGHUP, `tsnats-server --signal reload`), as nats-server reload.go:
 * re-read the file, re-apply the command-line flags over it, and apply what can change
 * at run time: authentication, permissions, accounts and their imports, limits, TLS,
 * logging (debug, trace, logtime, log_file), the cluster's `pool_size`, pinned `accounts` and `no_advertise`. `max_payload` and `max_control_line` reach
 * open connections at once (reload.go maxPayloadOption / maxControlLineOption); new
 * clients see the new `max_payload` in INFO, open ones get no new INFO, as in nats-server.
 * Connections that are still allowed stay open with their new permissions; those that
 * no longer authenticate (or whose account changed) are closed with
 * `Authorization Violation`; subscriptions no longer permitted are removed. A file that
 * does not load, or options that cannot be applied, leave the running config untouched.
 */
import { Authenticator, isAuthFailure } from "../auth/authenticator.js";
import { admitJwt, authenticateCredentials, bindIdentity } from "../auth/connection.js";
import { configureAccounts } from "../accounts/imports.js";
import { setupSystemAccount } from "./events.js";
import { formatIssue, loadConfigFile } from "../config/index.js";
import { errSubscribePermission } from "../protocol/errors.js";
import type { Client } from "./client.js";
import { resolveOptions, validateOptions, type ServerOptions, type ServerOptionsInput, type WebsocketOptions } from "./options.js";
import type { Server } from "./server.js";
import { ServerTls } from "./tls.js";

/**
 * Options that need a restart (nats-server refuses to reload them): the running values
 * are kept and the change is reported.
 */
export const NOT_RELOADABLE: ReadonlySet<keyof ServerOptions> = new Set([
  "host",
  "port",
  "httpPort",
  "httpHost",
  "httpsPort",
  "httpBasePath",
  "serverName",
  "jetstream",
  "storeDir",
  "pidFile",
  "portsFileDir",
  "syslog",
  // nats-server: "config reload not supported for MaxPending".
  "maxPending",
  // nats-server: "config reload not supported for Gateway" (the links are made at start).
  "gateway",
  // The callout (its account subscription, xkey pair) is set up at start.
  "authCallout",
]);

/** What a reload did. */
export interface ReloadResult {
  ok: boolean;
  /** Why nothing was applied (config errors with file:line, or a TLS/auth failure). */
  errors: string[];
  /** Option names whose value changed and was applied. */
  applied: string[];
  /** Option names that changed but need a restart. */
  ignored: string[];
  /** Connections closed because they are no longer authorized. */
  closed: number;
}

/** Flags given on the command line, re-applied over the file (as nats-server does). */
export interface ReloadFlags {
  options?: ServerOptionsInput;
  tlsDisabled?: boolean;
}

/** Re-reads `server.options.configFile` and applies it; logs the outcome. */
export function reloadConfig(server: Server, flags: ReloadFlags = {}): ReloadResult {
  const file = server.options.configFile;
  const log = server.logger;
  if (file === undefined) {
    const r = failed(["config reload not supported: no configuration file"]);
    log.error(`Failed to reload server configuration: ${r.errors[0]}`);
    return r;
  }
  const loaded = loadConfigFile(file);
  if (loaded.errors.length > 0) {
    const r = failed(loaded.errors.map(formatIssue));
    log.error(`Failed to reload server configuration: ${r.errors.join("; ")}`);
    return r;
  }
  for (const w of loaded.warnings) log.warn(formatIssue(w));
  const next = resolveOptions({ ...loaded.options, configFile: file }, flags.options);
  if (flags.tlsDisabled) delete next.tls;
  const r = applyOptions(server, next);
  if (r.ok) {
    for (const k of r.ignored) log.warn(`Reload: "${k}" cannot be changed without a restart, keeping the running value`);
    log.notice(`Reloaded server configuration${r.applied.length > 0 ? ` (${r.applied.join(", ")})` : ""}`);
  } else {
    log.error(`Failed to reload server configuration: ${r.errors.join("; ")}`);
  }
  return r;
}

function failed(errors: string[]): ReloadResult {
  return { ok: false, errors, applied: [], ignored: [], closed: 0 };
}

/**
 * Applies resolved options to a running server. Everything that can fail (auth and TLS
 * set-up) is built first; only then is anything changed.
 */
export function applyOptions(server: Server, next: ServerOptions): ReloadResult {
  let auth: Authenticator;
  let tls: ServerTls | null;
  let wsTls: ServerTls | null = null;
  const problems = validateOptions({ ...next, maxPending: server.options.maxPending });
  if (problems.length > 0) return failed(problems);
  const wsProblem = websocketUnreloadable(server.options.websocket, next.websocket);
  if (wsProblem !== null) return failed([wsProblem]);
  try {
    auth = new Authenticator(next, server.auth.bcrypt);
    tls = next.tls ? ServerTls.load(next.tls) : null;
    if (server.websocket !== null && next.websocket?.tls !== undefined) wsTls = ServerTls.load(next.websocket.tls);
  } catch (err) {
    return failed([(err as Error).message]);
  }
  const cur = server.options as unknown as Record<string, unknown>;
  const nxt = next as unknown as Record<string, unknown>;
  const applied: string[] = [];
  const ignored: string[] = [];
  for (const k of new Set([...Object.keys(cur), ...Object.keys(nxt)])) {
    if (JSON.stringify(cur[k]) === JSON.stringify(nxt[k])) continue;
    if (NOT_RELOADABLE.has(k as keyof ServerOptions)) {
      ignored.push(k);
      continue;
    }
    applied.push(k);
    if (nxt[k] === undefined) delete cur[k];
    else cur[k] = nxt[k];
  }
  server.auth = auth;
  server.tls = tls;
  if (wsTls !== null) server.websocket?.reloadTls(wsTls);
  const o = server.options;
  server.logger.reconfigure?.({ debug: o.debug, trace: o.trace, logtime: o.logtime, logtimeUtc: o.logtimeUtc, logFile: o.logFile });
  server.traceEnabled = server.logger.traceEnabled;
  if (server.operator !== null) server.operator.rewire();
  else configureAccounts(server, server.options.accounts ?? []);
  server.systemAccount = setupSystemAccount(server);
  // Accounts the reload added: their interest must reach routes and gateways too.
  server.routes?.watchNewAccounts();
  // pool_size and pinned accounts (2.10+), no_advertise change at run time (reload.go clusterOption).
  if (applied.includes("cluster") && server.options.cluster !== undefined) server.routes?.reloadPool(server.options.cluster);
  server.gateways?.watchNewAccounts();
  server.jetstream?.reloadAccounts().catch((err: unknown) => server.logger.error(`JetStream reload: ${String(err)}`));
  server.refreshInfo();
  applyClientLimits(server);
  let closed = 0;
  for (const c of [...server.clients.values()]) {
    if (!c.closed && c.connected && !recheckClient(server, c)) closed++;
  }
  server.flushPending();
  return { ok: true, errors: [], applied, ignored, closed };
}

/** Protocol limits every open connection's parser enforces, set from the running options. */
function applyClientLimits(server: Server): void {
  const { maxControlLine, maxPayload, maxSubscriptions } = server.options;
  for (const c of server.clients.values()) {
    c.parser.maxControlLine = maxControlLine;
    c.parser.maxPayload = maxPayload;
    c.maxSubs = maxSubscriptions;
  }
}

/**
 * Re-authenticates one connection with the CONNECT it sent; false if it was closed.
 * Subscriptions the new permissions forbid are removed with a permissions error.
 */
function recheckClient(server: Server, c: Client): boolean {
  const account = c.account;
  const auth = c.authenticator;
  if (!auth.required) {
    if (account !== server.globalAccount) {
      c.authViolation(`User "${c.user}" - account no longer configured`);
      return false;
    }
    c.perms = null;
    c.deliveryChecks = false;
    return true;
  }
  // Authorized by the auth callout service: its credentials are not in the config to re-check.
  if (c.calloutAuthorized) return true;
  const r = authenticateCredentials(server, c, c.connectOpts ?? {});
  const target = !isAuthFailure(r) && r.account !== undefined ? server.accounts.get(r.account) : server.globalAccount;
  if (isAuthFailure(r) || target !== account) {
    c.authViolation(isAuthFailure(r) ? r.detail : `User "${r.user}" - account changed`);
    return false;
  }
  bindIdentity(server, c, server.callouts !== null ? server.callouts.restrict(r) : r);
  if (!admitJwt(server, c, r)) return false;
  const perms = c.perms;
  if (perms !== null) {
    for (const sub of [...c.subs.values()]) {
      if (!perms.canSubscribe(sub.subject, sub.queue)) {
        c.removeSub(sub);
        c.sendErr(errSubscribePermission(sub.subject, sub.queue));
      } else if (perms.perms.needsDeliveryFilter(sub.subject)) c.deliveryChecks = true;
    }
  }
  return true;
}

/**
 * nats-server reload.go diffOptions "websocket": any change but its TLS certificates fails
 * the reload (the listener, its auth override and cookies are set at start). Adding or
 * dropping `tls {}` changes the listener's scheme, so it fails here too.
 */
function websocketUnreloadable(cur: WebsocketOptions | undefined, next: WebsocketOptions | undefined): string | null {
  const strip = (w: WebsocketOptions | undefined): unknown => {
    if (w === undefined) return null;
    const { tls, ...rest } = w;
    return { ...rest, tls: tls !== undefined };
  };
  const a = JSON.stringify(strip(cur));
  const b = JSON.stringify(strip(next));
  return a === b ? null : `config reload not supported for Websocket: old=${a}, new=${b}`;
}

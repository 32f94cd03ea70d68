/**
 * tsnats public API: start a NATS server inside any Node process.
 *
 *     import { startServer } from "tsnats";
 *     const s = await startServer({ port: -1 });
 *     // connect any NATS client to s.clientURL
 *     await s.close();
 */
import { Logger, NULL_LOGGER, type ServerLogger } from "./server/logger.js";
import { resolveOptions, type ServerOptionsInput } from "./server/options.js";
import { Server } from "./server/server.js";
import { TsnatsError } from "./errors.js";
import type { StartClusterOptions, Topology } from "./testkit/topology.js";

export type { ServerOptions, ServerOptionsInput, UserOptions, PermissionsOptions, TlsOptions } from "./server/options.js";
export type { ServerLogger } from "./server/logger.js";
export { VERSION, NATS_COMPAT_VERSION } from "./version.js";
export { TsnatsError } from "./errors.js";
export type { Topology, StartClusterOptions, LeafSpec, GatewaySpec, NodeRef } from "./testkit/topology.js";
export type { TopologyNode, NodeRole } from "./testkit/topology-node.js";
export type { TopologyLink } from "./testkit/topology-link.js";

/** Options for {@link startServer}: any server option, plus how to log. */
export interface StartServerOptions extends ServerOptionsInput {
  /**
   * Where log lines go: `true` for nats-server style lines on stderr, a logger of your
   * own, or nothing (the default) for silence.
   */
  logger?: ServerLogger | boolean;
  /**
   * Configuration in the nats-server file format, as text. `configFile` loads a file
   * instead (and makes SIGHUP-style reloads possible). Options given here directly
   * override both, as command-line flags override the file.
   */
  config?: string;
}

/** A running embedded server. */
export interface NatsServer {
  /** `nats://host:port` for clients (127.0.0.1 when listening on all interfaces). */
  readonly clientURL: string;
  readonly port: number;
  /** The monitoring port, when `httpPort` was set. */
  readonly httpPort: number | undefined;
  /** The server itself, for introspection (counters, clients); not a stable API yet. */
  readonly server: Server;
  /** Graceful shutdown: pending writes are flushed, then every connection is closed. */
  close(): Promise<void>;
}

/** Loads config text or a file; throws a TsnatsError listing every error with file:line:col. */
async function loadConfig(text: string | undefined, file: string | undefined): Promise<{ options: ServerOptionsInput; warnings: string[] }> {
  const { formatIssue, loadConfigFile, loadConfigText } = await import("./config/index.js");
  const r = text !== undefined ? loadConfigText(text, file ?? "<config>") : loadConfigFile(file!);
  if (r.errors.length > 0) throw new TsnatsError("ERR_CONFIG", r.errors.map(formatIssue).join("\n"));
  // Text given inline has no file to reload from.
  if (file === undefined) delete r.options.configFile;
  return { options: r.options, warnings: r.warnings.map(formatIssue) };
}

/** Starts a server; resolves once it accepts connections. */
export async function startServer(opts: StartServerOptions = {}): Promise<NatsServer> {
  const { logger: loggerOpt, config, ...serverOpts } = opts;
  const fromConfig = config !== undefined || serverOpts.configFile !== undefined ? await loadConfig(config, serverOpts.configFile) : null;
  const options = resolveOptions(fromConfig?.options, serverOpts);
  const logger =
    loggerOpt === true
      ? new Logger({ debug: options.debug, trace: options.trace, logtime: options.logtime, logtimeUtc: options.logtimeUtc, logFile: options.logFile })
      : loggerOpt === undefined || loggerOpt === false
        ? NULL_LOGGER
        : loggerOpt;
  for (const w of fromConfig?.warnings ?? []) logger.warn(w);
  const server = new Server(options, logger);
  await server.start();
  const host = options.host === "0.0.0.0" || options.host === "::" || options.host === "" ? "127.0.0.1" : options.host;
  const port = server.listenPort;
  return {
    clientURL: `nats://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    httpPort: server.monitorPort || undefined,
    server,
    close: () => server.close(),
  };
}

/**
 * Starts a whole topology in this process, for tests: a cluster of `nodes` servers and leaf
 * nodes, every link between servers under the test's control (cut, heal, latency, pause,
 * stop and restart on the same ports). Loaded on first use: servers that never call it do
 * not pay for it.
 */
export async function startCluster(opts: StartClusterOptions = {}): Promise<Topology> {
  return (await import("./testkit/start-cluster.js")).startCluster(opts);
}

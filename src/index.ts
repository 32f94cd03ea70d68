/**
 * tsnats public API: start a NATS server inside any Node process.
 *
 *     import { startServer } from "tsnats";
 *     const s = await startServer({ port: -1 });
 *     // connect any NATS client to s.clientURL
 *     await s.close();
 */
import { Logger, NULL_LOGGER, type ServerLogger } from "./server/logger.js";
import { resolveOptions, type ServerOptions } from "./server/options.js";
import { Server } from "./server/server.js";

export type { ServerOptions, UserOptions, PermissionsOptions, TlsOptions } from "./server/options.js";
export type { ServerLogger } from "./server/logger.js";
export { VERSION, NATS_COMPAT_VERSION } from "./version.js";

/** Options for {@link startServer}: any server option, plus how to log. */
export interface StartServerOptions extends Partial<ServerOptions> {
  /**
   * Where log lines go: `true` for nats-server style lines on stderr, a logger of your
   * own, or nothing (the default) for silence.
   */
  logger?: ServerLogger | boolean;
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

/** Starts a server; resolves once it accepts connections. */
export async function startServer(opts: StartServerOptions = {}): Promise<NatsServer> {
  const { logger: loggerOpt, ...serverOpts } = opts;
  const options = resolveOptions(serverOpts);
  const logger =
    loggerOpt === true
      ? new Logger({ debug: options.debug, trace: options.trace, logtime: options.logtime, logtimeUtc: options.logtimeUtc, logFile: options.logFile })
      : loggerOpt === undefined || loggerOpt === false
        ? NULL_LOGGER
        : loggerOpt;
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

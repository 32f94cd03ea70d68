/**
 * `tsnats-server`: a drop-in for `nats-server`. Same flags, same config file, same logs,
 * same ports file, same signals, so tools that spawn nats-server can spawn this instead.
 *
 * The bin script (`tsnats-server.ts`) runs `main` from the one-file bundle of this module
 * when the build made one (start-up time), else from here.
 */
import { Logger } from "../server/logger.js";
import { resolveOptions, type ServerOptionsInput } from "../server/options.js";
import { NATS_COMPAT_VERSION, VERSION } from "../version.js";
import { parseServerFlags, routesFlagProblem, SERVER_PROGRAM_NAME, unsupportedFlagWarning, type ServerFlags } from "./flags.js";

// Modules only some runs need are imported where they are used: start-up time is a
// feature (tools start a server per test), and each module costs milliseconds.

/** Prints `msg` as nats-server prints a fatal start-up problem and exits 1. */
export function fail(msg: string): never {
  process.stderr.write(`${SERVER_PROGRAM_NAME}: ${msg}\n`);
  process.exit(1);
}

/** Runs the server as the command line `argv` (without node and script paths) asks; resolves once it is serving. */
export async function main(argv: string[]): Promise<void> {
  const flags = parseServerFlags(argv);
  if (flags.errors.length > 0) {
    process.stderr.write(`${flags.errors.join("\n")}\n`);
    process.stdout.write((await import("./usage.js")).SERVER_USAGE);
    process.exit(1);
  }
  if (flags.showHelp) {
    process.stdout.write((await import("./usage.js")).SERVER_USAGE);
    return;
  }
  if (flags.showTlsHelp) {
    process.stdout.write((await import("./usage.js")).TLS_USAGE);
    return;
  }
  if (flags.showVersion) {
    process.stdout.write(`${SERVER_PROGRAM_NAME}: v${VERSION} (nats-server v${NATS_COMPAT_VERSION} compatible)\n`);
    return;
  }
  if (flags.signal) {
    try {
      (await import("./signal.js")).sendSignal(flags.signal.command, flags.signal.pid);
    } catch (err) {
      fail((err as Error).message);
    }
    return;
  }

  let fileOptions: ServerOptionsInput = {};
  let configWarnings: string[] = [];
  if (flags.configFile) {
    const { checkFailures, formatIssue, loadConfigFile } = await import("../config/index.js");
    const r = loadConfigFile(flags.configFile);
    if (r.errors.length > 0) fail(r.errors.map(formatIssue).join("\n"));
    // nats-server -t fails on its own config warnings too.
    if (flags.testConfig && checkFailures(r).length > 0) fail(checkFailures(r).map(formatIssue).join("\n"));
    fileOptions = { ...r.options, configFile: flags.configFile };
    configWarnings = r.warnings.map(formatIssue);
  }
  const routesProblem = routesFlagProblem(flags, fileOptions);
  if (routesProblem !== undefined) fail(routesProblem);
  if (flags.testConfig) {
    if (!flags.configFile) fail("must specify [-c, --config] option to check configuration file syntax");
    process.stderr.write(`${SERVER_PROGRAM_NAME}: configuration file ${flags.configFile} is valid\n`);
    return;
  }

  const options = resolveOptions(fileOptions, flags.options);
  if (flags.extra.tlsDisabled) delete options.tls;
  const logger = new Logger({
    debug: options.debug,
    trace: options.trace,
    logtime: options.logtime,
    logtimeUtc: options.logtimeUtc,
    logFile: options.logFile,
  });
  for (const w of configWarnings) logger.warn(w);
  for (const f of flags.unsupported) logger.warn(unsupportedFlagWarning(f));

  const { Server } = await import("../server/server.js");
  const server = new Server(options, logger);
  // Signals are trapped before start(): "Server is ready" (and the ports and pid files)
  // come out during start(), and a SIGTERM sent on seeing them must still shut down
  // cleanly, not kill the process. One that arrives before start() is done waits for it.
  let started = false;
  let early: (() => void) | null = null;
  const trap = (signal: NodeJS.Signals, handler: () => void): void => {
    process.on(signal, () => {
      if (started) handler();
      else early ??= handler;
    });
  };
  installSignals(server, logger, flags, trap);
  try {
    await server.start();
  } catch (err) {
    logger.fatal((err as Error).message);
    process.exit(1);
  }
  started = true;
  if (early !== null) (early as () => void)();
}

/** SIGINT/SIGTERM shut down, SIGUSR1 reopens the log, SIGUSR2 enters lame duck mode, SIGHUP reloads. */
function installSignals(
  server: import("../server/server.js").Server,
  logger: Logger,
  flags: ServerFlags,
  trap: (signal: NodeJS.Signals, handler: () => void) => void,
): void {
  const shutdown = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  trap("SIGINT", () => {
    logger.notice("Trapped \"interrupt\" signal");
    shutdown();
  });
  trap("SIGTERM", () => {
    logger.notice("Trapped \"terminated\" signal");
    shutdown();
  });
  trap("SIGUSR1", () => logger.reopen());
  trap("SIGUSR2", () => {
    server.enterLameDuckMode().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  trap("SIGHUP", () => {
    logger.notice("Trapped \"hangup\" signal");
    import("../server/reload.js")
      .then(({ reloadConfig }) => reloadConfig(server, { options: flags.options, tlsDisabled: flags.extra.tlsDisabled }))
      .catch((err: unknown) => logger.error(`Failed to reload server configuration: ${err instanceof Error ? err.message : String(err)}`));
  });
}

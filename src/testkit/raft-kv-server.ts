#!/usr/bin/env node
/**
 * Test-only entry: a tsnats server (configured by a config file, as `tsnats-server -c`) that
 * also hosts one member of a Raft group carrying the KV register (src/testkit/raft-kv.ts).
 * Real-process Raft tests start N of these joined by routes. Not part of the server's options
 * or the `tsnats-server` CLI, so nothing of it is on a production path.
 */
import { parseArgs } from "node:util";
import { RaftHost } from "../raftnet/host.js";
import { Logger } from "../server/logger.js";
import { resolveOptions } from "../server/options.js";
import { KvRegister, KvService } from "./raft-kv.js";

const PROGRAM = "raft-kv-server";
const USAGE = `Usage: ${PROGRAM} -c <config file> --raft-dir <dir> --raft-id <n> --raft-peers <n,n,...> [options]

A tsnats server that hosts one member of a Raft group serving a replicated key-value
register on $TSKV.<group>.<id> (test-only).

  -c, --config <file>          server configuration file (as tsnats-server -c)
      --raft-dir <dir>         this member's Raft log directory
      --raft-id <n>            this member's id when the directory is empty
      --raft-peers <list>      the group's initial voters, comma-separated ids
      --raft-group <name>      group name, a subject token (default: kv)
      --raft-tick-ms <ms>      Raft tick (default: 50)
      --raft-sync <mode>       always (fsync before acknowledging, default) or lazy
      --raft-snapshot <n>      snapshot every n applied entries (default: 8192)
  -h, --help                   show this help
`;

function fail(msg: string): never {
  process.stderr.write(`${PROGRAM}: ${msg}\n${USAGE}`);
  process.exit(1);
}

function positiveInt(name: string, v: string | undefined, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) fail(`--${name} must be a positive integer, got "${v ?? ""}"`);
  return n;
}

function parse(argv: string[]) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: "string", short: "c" },
        "raft-dir": { type: "string" },
        "raft-id": { type: "string" },
        "raft-peers": { type: "string" },
        "raft-group": { type: "string" },
        "raft-tick-ms": { type: "string" },
        "raft-sync": { type: "string" },
        "raft-snapshot": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (values.config === undefined) fail("a configuration file is required (-c)");
  if (values["raft-dir"] === undefined) fail("--raft-dir is required");
  const peers = (values["raft-peers"] ?? "").split(",").map((p) => positiveInt("raft-peers", p));
  const sync = values["raft-sync"] ?? "always";
  if (sync !== "always" && sync !== "lazy") fail(`--raft-sync must be always or lazy, got "${sync}"`);
  const group = values["raft-group"] ?? "kv";
  if (!/^[A-Za-z0-9_-]+$/.test(group)) fail(`--raft-group must be a subject token, got "${group}"`);
  return {
    config: values.config,
    dir: values["raft-dir"],
    id: positiveInt("raft-id", values["raft-id"]),
    peers,
    group,
    tickMs: positiveInt("raft-tick-ms", values["raft-tick-ms"], 50),
    sync: sync as "always" | "lazy",
    snapshotEntries: positiveInt("raft-snapshot", values["raft-snapshot"], 8192),
  };
}

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2));
  const { formatIssue, loadConfigFile } = await import("../config/index.js");
  const r = loadConfigFile(a.config);
  if (r.errors.length > 0) fail(r.errors.map(formatIssue).join("\n"));
  const options = resolveOptions({ ...r.options, configFile: a.config }, {});
  const logger = new Logger({ debug: options.debug, trace: options.trace, logtime: options.logtime, logtimeUtc: options.logtimeUtc, logFile: options.logFile });
  const { Server } = await import("../server/server.js");
  const server = new Server(options, logger);
  await server.start();
  const sm = new KvRegister();
  const driver = new RaftHost(server).open({
    group: a.group,
    dir: a.dir,
    id: a.id,
    bootstrap: { voters: a.peers, learners: [] },
    stateMachine: sm,
    tickMs: a.tickMs,
    sync: a.sync,
    snapshotEntries: a.snapshotEntries,
  });
  new KvService(server, driver, sm);
  const shutdown = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));

#!/usr/bin/env node
/**
 * `tsnats`: the command-line tool for people at a terminal. Each subcommand lives in
 * its own module and exports `run(argv): Promise<number>` (the exit code); this file
 * only dispatches, so a subcommand's dependencies load only when it is used.
 */

interface Subcommand {
  summary: string;
  load: () => Promise<{ run: (argv: string[]) => Promise<number> }>;
}

const SUBCOMMANDS: Record<string, Subcommand> = {};

/** Registers a subcommand; kept as a function so the table below reads as a list. */
function sub(name: string, summary: string, load: Subcommand["load"]): void {
  SUBCOMMANDS[name] = { summary, load };
}

// Subcommands are registered here as they land.
sub("caps", "analyse dependencies' capabilities", () => import("../caps/cli.js"));
sub("bench", "load generator: pub/sub, queue, request/reply and connection benchmarks", () => import("../bench/cli.js"));
sub("pub", "publish a message (or --count N of them) to a subject", () => import("./commands/pub.js"));
sub("sub", "print the messages arriving on a subject (optionally in a queue group)", () => import("./commands/sub.js"));
sub("req", "send a request and print the reply", () => import("./commands/req.js"));
sub("reply", "answer requests on a subject (instances share a queue group)", () => import("./commands/reply.js"));
sub("server", "server info (from /varz) and ping", () => import("./commands/server.js"));
sub("micro", "NATS micro services: ls, info, stats, ping", () => import("./commands/micro.js"));
sub("stream", "JetStream streams: ls, info, add, rm", () => import("./commands/stream.js"));
sub("consumer", "JetStream consumers: ls, info", () => import("./commands/consumer.js"));

function usage(): string {
  const lines = Object.entries(SUBCOMMANDS).map(([n, s]) => `  ${n.padEnd(10)} ${s.summary}`);
  return `Usage: tsnats <command> [options]\n\nCommands:\n${lines.join("\n")}\n\nRun 'tsnats <command> --help' for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    process.stdout.write(usage());
    return name === undefined ? 1 : 0;
  }
  const cmd = SUBCOMMANDS[name];
  if (!cmd) {
    process.stderr.write(`tsnats: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const mod = await cmd.load();
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tsnats: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

/**
 * `tsnats sub SUBJECT`: prints messages as they arrive, optionally in a queue group,
 * until `--count N` messages, `--timeout` without one, or Ctrl-C. `--json` prints one
 * JSON object per line (subject, reply, headers, data) for scripts.
 */
import type { Msg } from "@nats-io/transport-node";
import { CONNECTION_HELP, connectWith, durationMs, headersObject, int, out, parse, runCommand, untilInterrupted, UsageError } from "./common.js";

export const SUB_HELP = `Usage: tsnats sub SUBJECT [options]

Subscribes to SUBJECT (wildcards * and > allowed) and prints what arrives.

Options:
      --queue GROUP      join a queue group (messages are shared among its members)
      --count N          exit after N messages
      --timeout DURATION exit with an error if no message arrives for this long
      --raw              print only the payloads
      --json             print one JSON object per message
${CONNECTION_HELP}`;

export async function run(argv: string[]): Promise<number> {
  return runCommand("sub", SUB_HELP, async () => {
    const { flags, args } = parse(argv, {
      queue: { type: "string" },
      count: { type: "string" },
      timeout: { type: "string" },
      raw: { type: "boolean" },
      json: { type: "boolean" },
    });
    if (flags.help) {
      process.stdout.write(SUB_HELP);
      return 0;
    }
    const [subject, ...extra] = args;
    if (subject === undefined) throw new UsageError("missing SUBJECT");
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    const max = int(flags, "count", 0);
    const idleMs = durationMs(flags, "timeout", 0);
    const queue = typeof flags.queue === "string" ? flags.queue : undefined;
    const nc = await connectWith(flags, "tsnats sub");
    let received = 0;
    let idleTimer: NodeJS.Timeout | null = null;
    let timedOut = false;
    const stop = untilInterrupted();
    const sub = nc.subscribe(subject, { queue, max: max > 0 ? max : undefined });
    const armIdle = (): void => {
      if (idleMs <= 0) return;
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        timedOut = true;
        sub.unsubscribe();
      }, idleMs);
    };
    await nc.flush();
    if (!flags.json && !flags.raw) process.stderr.write(`Subscribing on ${subject}${queue ? ` in queue group ${queue}` : ""}\n`);
    armIdle();
    void stop.promise.then(() => sub.unsubscribe());
    try {
      for await (const m of sub) {
        received++;
        print(m, received, flags.json === true, flags.raw === true);
        armIdle();
      }
    } finally {
      if (idleTimer) clearTimeout(idleTimer);
      stop.dispose();
      await nc.close();
    }
    if (timedOut) {
      process.stderr.write(`tsnats sub: no message for ${idleMs}ms, received ${received}\n`);
      return max > 0 && received < max ? 1 : 0;
    }
    return 0;
  });
}

function print(m: Msg, n: number, json: boolean, raw: boolean): void {
  if (json) {
    out(JSON.stringify({ subject: m.subject, reply: m.reply || undefined, headers: headersObject(m), data: m.string() }));
  } else if (raw) {
    out(m.string());
  } else {
    out(`[#${n}] Received on "${m.subject}"${m.reply ? ` with reply "${m.reply}"` : ""}`);
    const h = headersObject(m);
    if (h) for (const [k, vs] of Object.entries(h)) for (const v of vs) out(`${k}: ${v}`);
    out(m.string());
    out("");
  }
}

/**
 * `tsnats pub SUBJECT [BODY]`: publishes one message, or `--count N` of them (the body
 * may use `{{Count}}` and `{{Time}}`). The body is read from stdin when omitted and
 * stdin is not a terminal. Flushes before exiting, so a zero exit code means the server
 * has the messages.
 */
import { CONNECTION_HELP, connectWith, expandBody, headersFrom, int, out, parse, runCommand, UsageError } from "./common.js";

export const PUB_HELP = `Usage: tsnats pub SUBJECT [BODY] [options]

Publishes BODY (or stdin when BODY is omitted) to SUBJECT.

Options:
      --count N          publish N messages (default 1); BODY may contain {{Count}} and {{Time}}
  -H, --header K:V       add a header (repeatable)
      --reply SUBJECT    set the reply subject
      --quiet            print nothing on success
      --json             print a JSON summary
${CONNECTION_HELP}`;

export async function run(argv: string[]): Promise<number> {
  return runCommand("pub", PUB_HELP, async () => {
    const { flags, args } = parse(argv, {
      count: { type: "string" },
      header: { type: "string", short: "H", multiple: true },
      reply: { type: "string" },
      quiet: { type: "boolean" },
      json: { type: "boolean" },
    });
    if (flags.help) {
      process.stdout.write(PUB_HELP);
      return 0;
    }
    const [subject, bodyArg, ...extra] = args;
    if (subject === undefined) throw new UsageError("missing SUBJECT");
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}' (quote BODY if it has spaces)`);
    const count = int(flags, "count", 1);
    if (count < 1) throw new UsageError("--count must be at least 1");
    const body = bodyArg ?? (process.stdin.isTTY ? "" : await readStdin());
    const headers = await headersFrom(flags.header as string[] | undefined);
    const reply = typeof flags.reply === "string" ? flags.reply : undefined;
    const nc = await connectWith(flags, "tsnats pub");
    const started = Date.now();
    let bytes = 0;
    try {
      for (let i = 1; i <= count; i++) {
        const data = expandBody(body, i);
        bytes += Buffer.byteLength(data);
        nc.publish(subject, data, { headers, reply });
      }
      await nc.flush();
    } finally {
      await nc.close();
    }
    const ms = Date.now() - started;
    if (flags.json) out(JSON.stringify({ subject, count, bytes, elapsed_ms: ms }));
    else if (!flags.quiet) out(count === 1 ? `Published ${bytes} bytes to "${subject}"` : `Published ${count} messages (${bytes} bytes) to "${subject}" in ${ms}ms`);
    return 0;
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

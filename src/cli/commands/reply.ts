/**
 * `tsnats reply SUBJECT BODY`: a simple responder. Every instance joins the same queue
 * group (default `tsnats`), so starting several spreads requests among them, as
 * services do. BODY may use `{{Count}}`, `{{Time}}`, `{{ID}}`, and `{{Request}}` for the
 * request's payload. Runs until Ctrl-C or `--count` requests.
 */
import { nuid } from "@nats-io/nuid";
import { CONNECTION_HELP, connectWith, expandBody, int, out, parse, runCommand, untilInterrupted, UsageError } from "./common.js";

export const REPLY_HELP = `Usage: tsnats reply SUBJECT [BODY] [options]

Answers requests on SUBJECT with BODY ({{Count}}, {{Time}}, {{ID}}, {{Request}} are expanded).
Without BODY, echoes each request back.

Options:
      --queue GROUP      queue group to join (default "tsnats"; instances share the load)
      --count N          exit after answering N requests
      --quiet            do not print each request
${CONNECTION_HELP}`;

export async function run(argv: string[]): Promise<number> {
  return runCommand("reply", REPLY_HELP, async () => {
    const { flags, args } = parse(argv, {
      queue: { type: "string" },
      count: { type: "string" },
      quiet: { type: "boolean" },
    });
    if (flags.help) {
      process.stdout.write(REPLY_HELP);
      return 0;
    }
    const [subject, body, ...extra] = args;
    if (subject === undefined) throw new UsageError("missing SUBJECT");
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}' (quote BODY if it has spaces)`);
    const max = int(flags, "count", 0);
    const queue = typeof flags.queue === "string" ? flags.queue : "tsnats";
    const id = nuid.next();
    const nc = await connectWith(flags, "tsnats reply");
    const stop = untilInterrupted();
    const sub = nc.subscribe(subject, { queue, max: max > 0 ? max : undefined });
    await nc.flush();
    process.stderr.write(`Listening on "${subject}" in group "${queue}" as ${id}\n`);
    void stop.promise.then(() => sub.unsubscribe());
    let n = 0;
    try {
      for await (const m of sub) {
        n++;
        const reply = body === undefined ? m.data : expandBody(body, n, id).replace(/\{\{\s*\.?Request\s*\}\}/g, m.string());
        if (!flags.quiet) out(`[#${n}] Received on "${m.subject}": ${m.string()}`);
        if (m.reply) m.respond(reply);
      }
      await nc.flush();
    } finally {
      stop.dispose();
      await nc.close();
    }
    return 0;
  });
}

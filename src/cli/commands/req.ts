/**
 * `tsnats req SUBJECT BODY`: sends a request and prints the reply. Exits 1 with a clear
 * reason when nobody answers (no responders) or the reply does not come in time.
 */
import { CONNECTION_HELP, CommandError, connectWith, describeError, durationMs, headersFrom, headersObject, out, parse, runCommand, UsageError } from "./common.js";

export const REQ_HELP = `Usage: tsnats req SUBJECT [BODY] [options]

Sends BODY as a request to SUBJECT and prints the reply.

Options:
      --timeout DURATION how long to wait for the reply (default 2s)
  -H, --header K:V       add a header (repeatable)
      --raw              print only the reply payload
      --json             print the reply as JSON (subject, headers, data, rtt_ms)
${CONNECTION_HELP}`;

export async function run(argv: string[]): Promise<number> {
  return runCommand("req", REQ_HELP, async () => {
    const { flags, args } = parse(argv, {
      timeout: { type: "string" },
      header: { type: "string", short: "H", multiple: true },
      raw: { type: "boolean" },
      json: { type: "boolean" },
    });
    if (flags.help) {
      process.stdout.write(REQ_HELP);
      return 0;
    }
    const [subject, body = "", ...extra] = args;
    if (subject === undefined) throw new UsageError("missing SUBJECT");
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}' (quote BODY if it has spaces)`);
    const timeout = durationMs(flags, "timeout", 2000);
    const headers = await headersFrom(flags.header as string[] | undefined);
    const nc = await connectWith(flags, "tsnats req");
    try {
      const started = performance.now();
      let m;
      try {
        m = await nc.request(subject, body, { timeout, headers });
      } catch (err) {
        const why = describeError(err);
        throw new CommandError(why === "timed out" ? `no reply on "${subject}" within ${timeout}ms` : `request to "${subject}" failed: ${why}`);
      }
      const rttMs = Math.round((performance.now() - started) * 1000) / 1000;
      if (flags.json) out(JSON.stringify({ subject: m.subject, headers: headersObject(m), data: m.string(), rtt_ms: rttMs }));
      else if (flags.raw) out(m.string());
      else {
        out(`Received with rtt ${rttMs}ms`);
        const h = headersObject(m);
        if (h) for (const [k, vs] of Object.entries(h)) for (const v of vs) out(`${k}: ${v}`);
        out(m.string());
      }
      return 0;
    } finally {
      await nc.close();
    }
  });
}

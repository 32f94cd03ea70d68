/** -V tracing in nats-server's format, and max_traced_msg_len. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startServer } from "../../src/index.js";
import { Logger } from "../../src/server/logger.js";
import { RawConn } from "../helpers/raw.js";
import { waitFor } from "../helpers/wait-for.js";

test("trace lines for protocol in and out; payloads cut at max_traced_msg_len", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "tsnats-trace-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logFile = join(dir, "trace.log");
  const logger = new Logger({ debug: false, trace: true, logtime: false, logtimeUtc: false, logFile });
  const s = await startServer({ port: 0, host: "127.0.0.1", logger, maxTracedMsgLen: 4 });
  t.after(() => s.close());
  const c = await RawConn.connect(s.port);
  c.send('CONNECT {"verbose":false}\r\nSUB t 1\r\nPUB t 11\r\nhello world\r\nPUB t 2\r\nhi\r\nPING\r\n');
  await c.waitFor((d) => d.endsWith("PONG\r\n"));
  c.close();
  const lines = await waitFor(() => {
    const text = readFileSync(logFile, "utf8");
    return text.includes("->> [PONG]") ? text.split("\n").map((l) => l.replace(/^\[\d+\] \[TRC\] 127\.0\.0\.1:\d+ - cid:\d+ - /, "")) : null;
  });
  for (const want of [
    '<<- [CONNECT {"verbose":false}]',
    "<<- [SUB t 1]",
    "<<- [PUB t 11]",
    '<<- MSG_PAYLOAD: ["hell..."]',
    "->> [MSG t 1 11]",
    '<<- MSG_PAYLOAD: ["hi"]',
    "<<- [PING]",
    "->> [PONG]",
  ]) {
    assert.ok(lines!.includes(want), `missing trace line ${want}\n${lines!.join("\n")}`);
  }
});

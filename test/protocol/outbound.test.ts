/**
 * Outbound's memory policy (src/protocol/outbound.ts): a busy connection reuses its
 * allocation from batch to batch, even one grown by a whole read's worth of MSGs, and a
 * connection that writes little gives its allocation back at the idle look.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Outbound } from "../../src/protocol/outbound.js";

const KiB = 1024;

/** One batch of `n` bytes written synchronously (the socket took it all). */
function batch(out: Outbound, n: number): void {
  const chunk = Buffer.alloc(4 * KiB, 0x61);
  for (let left = n; left > 0; left -= chunk.length) out.append(chunk, 0, Math.min(chunk.length, left));
  out.take();
  out.recycle();
}

test("a buffer grown by one read's worth of MSGs (past 256 KiB) is reused by the next batch", () => {
  const out = new Outbound();
  batch(out, 300 * KiB);
  const grown = out.buf;
  assert.ok(grown.length >= 300 * KiB);
  batch(out, 300 * KiB);
  assert.equal(out.buf, grown, "the same allocation: no regrowth from 1 KiB per batch");
});

test("a buffer grown past the keep limit for one huge batch is dropped after it", () => {
  const out = new Outbound();
  batch(out, 3 * 1024 * KiB);
  assert.equal(out.buf.length, 0);
});

test("the idle look drops the allocation of a connection that wrote little", () => {
  const out = new Outbound();
  batch(out, 500); // INFO
  assert.ok(out.buf.length > 0, "kept while the connection may be busy");
  out.idleLook();
  out.appendString("PING\r\n");
  out.take();
  out.recycle();
  assert.equal(out.buf.length, 0, "given back after the PING's write");
  out.appendString("PONG\r\n");
  assert.ok(out.buf.length > 0, "grows again when needed");
});

test("the idle look keeps a busy connection's allocation and drops one far larger than its writes", () => {
  const out = new Outbound();
  for (let i = 0; i < 100; i++) batch(out, 200 * KiB);
  const busy = out.buf;
  out.idleLook();
  batch(out, 200 * KiB);
  assert.equal(out.buf, busy, "many writes that fill it: kept");
  out.idleLook();
  for (let i = 0; i < 100; i++) batch(out, 100);
  out.idleLook();
  batch(out, 100);
  assert.equal(out.buf.length, 0, "many small writes in a burst-sized buffer: dropped");
});

test("the idle look does not drop memory a backed-up socket still holds", () => {
  const out = new Outbound();
  out.appendString("MSG a 1 1\r\nx\r\n");
  out.idleLook();
  out.take();
  out.release(); // the socket queued it
  out.appendString("PING\r\n");
  const pending = out.buf.subarray(0, out.len).toString("latin1");
  assert.equal(pending, "PING\r\n", "later frames still go into the rest of the allocation");
});

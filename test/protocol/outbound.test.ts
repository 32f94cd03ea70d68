/**
 * Outbound's memory policy (src/protocol/outbound.ts): a busy connection reuses its
 * allocation from batch to batch, even one grown by a whole read's worth of MSGs, a
 * connection that writes little gives its allocation back at the idle look, and small
 * writes borrow one shared scratch buffer.
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
  batch(out, 2 * KiB); // more than the shared scratch holds: an allocation of its own
  assert.ok(out.buf.length > 0, "kept while the connection may be busy");
  out.idleLook();
  out.appendString("PING\r\n");
  out.take();
  out.recycle();
  assert.equal(out.buf.length, 0, "given back after the PING's write");
  out.appendString("PONG\r\n");
  assert.ok(out.buf.length > 0, "grows again when needed");
  out.discard();
});

test("small writes the socket takes at once borrow the shared scratch: no allocation per connection", () => {
  const [a, b, c] = [new Outbound(), new Outbound(), new Outbound()];
  for (const o of [a, b, c]) o.shareScratch = true;
  a.appendString("INFO {}\r\n");
  const scratch = a.buf.buffer;
  b.appendString("INFO {}\r\n");
  assert.notEqual(b.buf.buffer, scratch, "one borrower at a time: the other allocates");
  a.take();
  a.recycle();
  assert.equal(a.buf.length, 0, "given back after the write");
  c.appendString("PONG\r\n");
  assert.equal(c.buf.buffer, scratch, "the next connection borrows the same memory");
  c.append(Buffer.alloc(2 * KiB, 0x63), 0, 2 * KiB);
  assert.notEqual(c.buf.buffer, scratch, "grown past the scratch: copied into its own allocation");
  assert.equal(c.buf.toString("latin1", 0, 6), "PONG\r\n");
  c.discard();
  b.discard();
});

test("an outbound not marked for sharing (a TLS socket) never borrows the scratch", () => {
  const [plain, tls] = [new Outbound(), new Outbound()];
  plain.shareScratch = true;
  plain.appendString("PONG\r\n");
  const scratch = plain.buf.buffer;
  plain.take();
  plain.recycle();
  tls.appendString("INFO {}\r\n");
  assert.notEqual(tls.buf.buffer, scratch);
  tls.take();
  tls.recycle();
  assert.ok(tls.buf.length > 0, "its own allocation, kept");
});

test("a write from the scratch that the socket queued keeps its bytes: the borrower keeps that memory", () => {
  const [a, b] = [new Outbound(), new Outbound()];
  a.shareScratch = b.shareScratch = true;
  a.appendString("MSG a 1 1\r\nx\r\n");
  const queued = a.take();
  a.release(); // the socket holds `queued`
  b.appendString("PONG\r\n");
  assert.notEqual(b.buf.buffer, queued.buffer, "a new scratch, not the queued memory");
  b.take();
  b.recycle();
  assert.equal(queued.toString("latin1"), "MSG a 1 1\r\nx\r\n", "queued bytes untouched");
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

/** One batch of `n` bytes that the socket queued (a backed-up subscriber); returns the write. */
function queuedBatch(out: Outbound, n: number): Buffer {
  const chunk = Buffer.alloc(4 * KiB, 0x62);
  for (let left = n; left > 0; left -= chunk.length) out.append(chunk, 0, Math.min(chunk.length, left));
  const w = out.take();
  out.release();
  return w;
}

test("a backed-up connection reuses its chunks once the socket has written them, never before", () => {
  const out = new Outbound();
  const inFlight: Buffer[] = [];
  for (let i = 0; i < 20; i++) inFlight.push(queuedBatch(out, 100 * KiB));
  const memories = new Set(inFlight.map((w) => w.buffer));
  assert.ok(memories.size >= 7, `no write done yet: every chunk is new (${memories.size} for 2 MB)`);
  for (const w of inFlight) assert.equal(w[0], 0x62, "queued bytes untouched");
  // The socket finishes the first 10 writes; the chunks they used are reused from then on.
  for (let i = 0; i < 10; i++) out.written();
  const next: Buffer[] = [];
  for (let i = 0; i < 6; i++) next.push(queuedBatch(out, 100 * KiB));
  const reused = next.filter((w) => memories.has(w.buffer as ArrayBuffer));
  assert.ok(reused.length > 0, "a written chunk was reused");
  const overlaps = (a: Buffer, b: Buffer): boolean =>
    a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.length && b.byteOffset < a.byteOffset + a.length;
  for (const w of next) assert.ok(!inFlight.slice(10).some((q) => overlaps(q, w)), "no write reuses memory of a write still queued");
  for (const q of inFlight.slice(10)) assert.equal(q[q.length - 1], 0x62, "queued bytes untouched");
});

test("spare chunks are given back at the idle look", () => {
  const out = new Outbound();
  const before = new Set<ArrayBufferLike>();
  for (let i = 0; i < 20; i++) before.add(queuedBatch(out, 100 * KiB).buffer);
  for (let i = 0; i < 20; i++) out.written();
  out.idleLook();
  const after: ArrayBufferLike[] = [];
  for (let i = 0; i < 20; i++) after.push(queuedBatch(out, 100 * KiB).buffer);
  // The chunk in use at the look goes on being filled; no other earlier chunk comes back.
  assert.ok(after.filter((b) => before.has(b)).length <= 1, "the spares were dropped, not reused");
});

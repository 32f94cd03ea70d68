/**
 * Parser micro-benchmark: PUB frames fed through Parser with a sink that does
 * nothing, in reads of 64 KiB as a socket delivers them. Bounded in time per case.
 * Run: node dist/bench/parser.bench.js [msPerCase]
 * To compare revisions, build each and run this file from each build.
 */
import { CLIENT_VERBS, Parser, type ParserSink, type PubArg } from "../src/protocol/parser.js";

class CountingSink implements ParserSink {
  msgs = 0;
  bytes = 0;
  processMsg(pa: PubArg): boolean {
    this.msgs++;
    this.bytes += pa.size;
    return true;
  }
  processOp(): boolean {
    return true;
  }
  processPing(): boolean {
    return true;
  }
  processPong(): void {}
  processErr(): void {}
  protocolViolation(err: string | null, detail: string): void {
    throw new Error(`unexpected violation: ${err} ${detail}`);
  }
  authViolation(): void {
    throw new Error("unexpected auth violation");
  }
}

/** Splits `stream` into `readSize` chunks, as reads would arrive. */
function chunk(stream: Buffer, readSize: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < stream.length; i += readSize) out.push(stream.subarray(i, i + readSize));
  return out;
}

function runCase(name: string, frame: string, readSize: number, ms: number): void {
  const stream = Buffer.from(frame.repeat(Math.ceil((1 << 20) / frame.length)), "latin1");
  const reads = chunk(stream, readSize);
  const sink = new CountingSink();
  const parser = new Parser(sink, CLIENT_VERBS, 4096, 1 << 20);
  parser.headers = true;
  const deadline = performance.now() + ms;
  const t0 = performance.now();
  let rounds = 0;
  // Bounded by time; each round parses ~1 MiB.
  while (performance.now() < deadline) {
    for (const r of reads) parser.parse(r);
    rounds++;
  }
  const secs = (performance.now() - t0) / 1000;
  const rate = sink.msgs / secs;
  const mbps = (rounds * stream.length) / secs / 1e6;
  console.log(`${name.padEnd(34)} ${(rate / 1e6).toFixed(2).padStart(7)} M msgs/s  ${mbps.toFixed(0).padStart(6)} MB/s of protocol`);
}

const ms = Number(process.argv[2] ?? 1000);
const p16 = "x".repeat(16);
const p1k = "x".repeat(1024);
console.log(`parser micro-benchmark, ${ms} ms per case, node ${process.version}`);
runCase("PUB 16 B, 64 KiB reads", `PUB foo.bar 16\r\n${p16}\r\n`, 65536, ms);
runCase("PUB 16 B with reply, 64 KiB reads", `PUB foo.bar _INBOX.abcdef.1 16\r\n${p16}\r\n`, 65536, ms);
runCase("HPUB 16 B, 64 KiB reads", `HPUB foo.bar 12 28\r\nNATS/1.0\r\n\r\n${p16}\r\n`, 65536, ms);
runCase("PUB 1 KiB, 64 KiB reads", `PUB foo.bar 1024\r\n${p1k}\r\n`, 65536, ms);
runCase("PUB 16 B, 1 KiB reads (many splits)", `PUB foo.bar 16\r\n${p16}\r\n`, 1024, ms);

/**
 * Seeded mutations of one protocol line for the fuzz tests: a flipped byte, a truncation,
 * random garbage, an absurd size, a huge control line, a dropped field, or the line as is.
 */
export function mutate(rand: () => number, s: string): Buffer {
  const b = Buffer.from(s, "latin1");
  switch (Math.floor(rand() * 7)) {
    case 0: // flip a byte
      if (b.length > 0) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      return b;
    case 1: // truncate
      return b.subarray(0, Math.floor(rand() * b.length));
    case 2: // random garbage
      return Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
    case 3: // absurd sizes
      return Buffer.from(s.replace(/ (\d+)\r\n/, ` ${Math.floor(rand() * 1e9)}\r\n`), "latin1");
    case 4: // huge control line
      return Buffer.from(`SUB ${"x".repeat(5000 + Math.floor(rand() * 5000))} 1\r\n`);
    case 5: // drop a field
      return Buffer.from(s.replace(/ \S+/, ""), "latin1");
    default:
      return b;
  }
}

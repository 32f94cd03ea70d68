/**
 * NATS message headers as JetStream reads and writes them: a `NATS/1.0[ status text]`
 * line, `Key: value` lines, an empty line (ADR-4). Lookups scan the bytes in place and,
 * like nats-server's getHeader, match the key exactly after a line break.
 */

export const HDR_LINE = "NATS/1.0\r\n";
const CR = 13;
const LF = 10;
const COLON = 58;

/** The value of header `key` in `hdr`, or null (nats-server getHeader / sliceHeader). */
export function getHeader(hdr: Buffer | null, key: string): string | null {
  if (hdr === null || hdr.length === 0) return null;
  const kl = key.length;
  let i = hdr.indexOf(LF) + 1; // skip the NATS/1.0 line
  while (i > 0 && i < hdr.length) {
    if (hdr[i] === CR) return null; // the empty line: end of headers
    if (hdr[i + kl] === COLON && matchesAt(hdr, i, key)) {
      let s = i + kl + 1;
      while (hdr[s] === 32 || hdr[s] === 9) s++;
      let e = hdr.indexOf(CR, s);
      if (e < 0) e = hdr.length;
      return hdr.toString("latin1", s, e).trimEnd();
    }
    i = hdr.indexOf(LF, i) + 1;
  }
  return null;
}

function matchesAt(buf: Buffer, at: number, key: string): boolean {
  for (let k = 0; k < key.length; k++) if (buf[at + k] !== key.charCodeAt(k)) return false;
  return true;
}

/** A header block with a status line (`NATS/1.0 404 No Messages`) and headers. */
export function statusHeader(code: number, text: string, headers: ReadonlyArray<readonly [string, string | number]> = []): Buffer {
  let s = `NATS/1.0 ${code}${text === "" ? "" : ` ${text}`}\r\n`;
  for (const [k, v] of headers) s += `${k}: ${v}\r\n`;
  return Buffer.from(`${s}\r\n`, "latin1");
}

/** A header block from key/value pairs, appended to `base` (an existing block) if given. */
export function buildHeader(base: Buffer | null, headers: ReadonlyArray<readonly [string, string | number]>): Buffer {
  let prefix: string;
  if (base !== null && base.length >= 4) prefix = base.toString("latin1", 0, base.length - 2);
  else prefix = HDR_LINE;
  let s = prefix;
  for (const [k, v] of headers) s += `${k}: ${v}\r\n`;
  return Buffer.from(`${s}\r\n`, "latin1");
}

/**
 * `hdr` without the headers named in `drop` (exact keys), or `hdr` itself when none is
 * there. Used for sourced messages and republish, which must not carry expectations.
 */
export function removeHeaders(hdr: Buffer, drop: readonly string[]): Buffer {
  if (!drop.some((k) => getHeader(hdr, k) !== null)) return hdr;
  const text = hdr.toString("latin1");
  const lines = text.split("\r\n");
  const kept = lines.filter((line, i) => i === 0 || !drop.some((k) => line.startsWith(`${k}:`)));
  return Buffer.from(kept.join("\r\n"), "latin1");
}

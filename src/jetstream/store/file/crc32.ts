/**
 * CRC-32 (IEEE, the zlib polynomial) for record checksums. Node's native `zlib.crc32` exists
 * from Node 20.15 / 22.2; on older Node 20 releases a table-driven version with the same
 * result is used, so files are portable between them.
 */
import { lazyRequire } from "../../../util/lazy-require.js";

/** node:zlib is loaded at the first checksum of NATIVE_MIN bytes or more: most servers never store a message. */
const zlib = lazyRequire<typeof import("node:zlib")>("node:zlib");

/** CRC-32 of data[start, end), continuing from `prev` (the CRC of what came before, 0 at first). */
type Crc = (data: Uint8Array, start: number, end: number, prev?: number) => number;

type NativeCrc = (d: Uint8Array, v?: number) => number;

function tableCrc(): Crc {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return (data, start, end, prev = 0) => {
    let c = (prev ^ 0xffffffff) >>> 0;
    for (let i = start; i < end; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
}

/** Below this length the table loop beats the native call (which needs a view per call). */
const NATIVE_MIN = 128;

export const crc32: Crc = ((): Crc => {
  const table = tableCrc();
  /** undefined until first looked up; null where this Node has no zlib.crc32. */
  let native: NativeCrc | null | undefined;
  return (data, start, end, prev = 0) => {
    if (end - start < NATIVE_MIN) return table(data, start, end, prev);
    native ??= (zlib() as unknown as { crc32?: NativeCrc }).crc32 ?? null;
    return native === null ? table(data, start, end, prev) : native(data.subarray(start, end), prev);
  };
})();

/** The portable implementation, exported so a test can check both agree. */
export const crc32Table: Crc = tableCrc();

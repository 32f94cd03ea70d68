/**
 * CRC-32 (IEEE) for WAL records: node:zlib's native crc32 where the runtime has it (Node ≥
 * 20.15), else a table-driven version of the same polynomial, so files stay readable either way.
 */
import * as zlib from "node:zlib";

type Crc = (data: Uint8Array, init?: number) => number;

function tableCrc(): Crc {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return (data, init = 0) => {
    let c = (init ^ 0xffffffff) >>> 0;
    for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
}

const native = (zlib as unknown as { crc32?: Crc }).crc32;

/** CRC-32 of `data`, continuing from `init` (the CRC of what came before). */
// (the native one returns 0 instead of `init` for an empty view of an empty ArrayBuffer)
export const crc32: Crc = typeof native === "function" ? (d, i = 0) => (d.length === 0 ? i >>> 0 : native(d, i) >>> 0) : tableCrc();

/** The table version, exported so a test can check both agree. */
export const crc32Table: Crc = tableCrc();

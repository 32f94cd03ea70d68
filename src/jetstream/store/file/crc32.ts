/**
 * CRC-32 (IEEE, the zlib polynomial) for record checksums. Node's native `zlib.crc32` exists
 * from Node 20.15 / 22.2; on older Node 20 releases a table-driven version with the same
 * result is used, so files are portable between them.
 */
import * as zlib from "node:zlib";

type Crc = (data: Uint8Array, start: number, end: number) => number;

const native = (zlib as unknown as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;

function tableCrc(): Crc {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return (data, start, end) => {
    let c = 0xffffffff;
    for (let i = start; i < end; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
}

/** CRC-32 of data[start, end). */
export const crc32: Crc = native !== undefined
  ? (data, start, end) => native(data.subarray(start, end))
  : tableCrc();

/** The portable implementation, exported so a test can check both agree. */
export const crc32Table: Crc = tableCrc();

/**
 * CRC-32 (IEEE) for WAL records: node:zlib's native crc32 where the runtime has it (Node ≥
 * 20.15), else a table-driven version of the same polynomial, so files stay readable either way.
 */
import { lazyRequire } from "../../util/lazy-require.js";

/** node:zlib is loaded at the first checksum: most servers never write a WAL. */
const zlib = lazyRequire<typeof import("node:zlib")>("node:zlib");

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

/** CRC-32 of `data`, continuing from `init` (the CRC of what came before). */
// (the native one returns 0 instead of `init` for an empty view of an empty ArrayBuffer)
export const crc32: Crc = ((): Crc => {
  let impl: Crc | undefined;
  return (d, i = 0) => {
    if (impl === undefined) {
      const native = (zlib() as unknown as { crc32?: Crc }).crc32;
      impl = typeof native === "function" ? (data, init = 0) => (data.length === 0 ? init >>> 0 : native(data, init) >>> 0) : tableCrc();
    }
    return impl(d, i);
  };
})();

/** The table version, exported so a test can check both agree. */
export const crc32Table: Crc = tableCrc();

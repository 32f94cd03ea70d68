/**
 * The server's identity: a fresh Ed25519 key whose public half, nkey-encoded with the
 * server prefix 'N', is the server_id clients see (as nats-server's). Generated with
 * node:crypto because the pure-JS path (@nats-io/nkeys over tweetnacl) costs ~30 ms of
 * import and cold key generation at start-up, more than the whole start budget.
 * Encoding (nkeys codec): base32(prefix byte + 32-byte key + CRC-16/XMODEM, little endian).
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from "node:crypto";

/** nkeys prefix byte for servers: 'N' is base32 index 13, shifted into the top 5 bits. */
const PREFIX_BYTE_SERVER = 13 << 3;
const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export interface ServerIdentity {
  /** The public nkey, `N` followed by 55 base32 characters. */
  publicKey: string;
  /** The private key, for signing (e.g. later JWT and cluster work). */
  readonly privateKey: KeyObject;
}

export function createServerIdentity(): ServerIdentity {
  const { publicKey, privateKeyDer } = generateEd25519();
  let privateKey: KeyObject | undefined;
  return {
    publicKey: encodePublicNkey(PREFIX_BYTE_SERVER, publicKey),
    // Made on first use: only operator mode and auth callout sign, and it costs start-up time.
    get privateKey() {
      return (privateKey ??= createPrivateKey({ key: privateKeyDer, format: "der", type: "pkcs8" }));
    },
  };
}

/** An Ed25519 SPKI in DER is a fixed 12-byte header, then the 32-byte public key. */
const SPKI_ED25519_HEADER = 12;

/**
 * A fresh Ed25519 key pair: the raw 32-byte public key and the private key as PKCS#8 DER.
 *
 * The keys are encoded by the generating call itself, never exported from its KeyObjects
 * afterwards: in Node 20, exporting a generated KeyObject locks its key while building the
 * result, and a garbage collection there that finalizes the (by then unreachable) generator
 * locks the same key again: the process hung for good at start-up (seen in a server start,
 * main thread in KeyObjectHandle::ExportJWK → GC → ~KeyGenJob → mutex).
 */
export function generateEd25519(): { publicKey: Buffer; privateKeyDer: Buffer } {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519", {
    publicKeyEncoding: { type: "spki", format: "der" },
    privateKeyEncoding: { type: "pkcs8", format: "der" },
  });
  return { publicKey: publicKey.subarray(SPKI_ED25519_HEADER), privateKeyDer: privateKey };
}

/** Encodes a 32-byte public key as an nkey string with the given prefix byte. */
export function encodePublicNkey(prefixByte: number, key: Uint8Array): string {
  const body = Buffer.alloc(1 + key.length + 2);
  body[0] = prefixByte;
  body.set(key, 1);
  const crc = crc16(body.subarray(0, 1 + key.length));
  body.writeUInt16LE(crc, 1 + key.length);
  return base32(body);
}

/** CRC-16/XMODEM (poly 0x1021, init 0), as the nkeys codec checksums keys. */
export function crc16(data: Uint8Array): number {
  let crc = 0;
  for (const b of data) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** RFC 4648 base32 without padding. */
function base32(data: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of data) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

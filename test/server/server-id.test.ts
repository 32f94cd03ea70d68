import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { sign } from "node:crypto";
import { test } from "node:test";
import { createPair, fromPublic, Prefix } from "@nats-io/nkeys";
import { createServerIdentity, encodePublicNkey } from "../../src/server/server-id.js";

test("server ids are valid server nkeys (checked with the official codec)", () => {
  for (let i = 0; i < 20; i++) {
    const id = createServerIdentity().publicKey;
    assert.match(id, /^N[A-Z2-7]{55}$/);
    assert.equal(fromPublic(id).getPublicKey(), id);
  }
});

test("the private key signs for the public nkey", () => {
  const id = createServerIdentity();
  const data = Buffer.from("server-signed");
  assert.equal(fromPublic(id.publicKey).verify(data, sign(null, data, id.privateKey)), true);
});

test("key generation under garbage collection never hangs (Node 20 deadlocked exporting a generated key)", () => {
  // A child process, so a hang is a failed test rather than a stuck suite: 20,000 keys with
  // garbage made between them; exporting each generated KeyObject as JWK hung within seconds.
  const script = `
    const { generateEd25519 } = await import(${JSON.stringify(new URL("../../src/server/server-id.js", import.meta.url).href)});
    let junk = [];
    for (let i = 0; i < 20000; i++) {
      generateEd25519();
      junk.push(new Array(50).fill(i));
      if (junk.length > 1000) junk = [];
    }`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { timeout: 90_000, encoding: "utf8" });
  assert.equal(r.signal, null, "key generation hung (killed by the timeout)");
  assert.equal(r.status, 0, r.stderr);
});

test("encoding matches @nats-io/nkeys for the same key", () => {
  for (let i = 0; i < 20; i++) {
    const kp = createPair(Prefix.Server);
    const raw = Buffer.from(kp.getPublicKey()).toString(); // the nkey string
    const decoded = fromPublic(raw);
    const key = decodeRaw(decoded.getPublicKey());
    assert.equal(encodePublicNkey(13 << 3, key), raw);
  }
});

/** The 32 raw key bytes of a public nkey (base32 decode, drop prefix and CRC). */
function decodeRaw(nkey: string): Uint8Array {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of nkey) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Uint8Array.from(out.slice(1, 33));
}

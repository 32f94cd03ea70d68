/**
 * KV buckets and the object store through @nats-io/kv and @nats-io/obj, as users write
 * them: revisions, create/update checks, delete/purge markers, history, watch, keys;
 * objects in chunks with their digest, links, list, delete, watch.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import { startJs, type JsEnv } from "./helpers.js";

describe("kv and object store", () => {
  let env: JsEnv;
  before(async () => {
    env = await startJs();
  });
  after(() => env.close());

  test("kv put/get/create/update/delete/purge/history/keys", async () => {
    const kvm = new Kvm(env.nc);
    const kv = await kvm.create("cfg", { history: 5 });
    const r1 = await kv.put("a", "1");
    const r2 = await kv.put("a", "2");
    assert.equal(r2, r1 + 1);
    assert.equal((await kv.get("a"))?.string(), "2");
    await assert.rejects(kv.create("a", "x"), /wrong last sequence/);
    const r3 = await kv.update("a", "3", r2);
    await assert.rejects(kv.update("a", "4", r2), /wrong last sequence/);
    await kv.create("b", "b1");
    await kv.delete("b");
    assert.equal((await kv.get("b"))?.operation, "DEL");
    await kv.create("b", "b2"); // create is allowed over a delete marker
    const hist: string[] = [];
    for await (const e of await kv.history({ key: "a" })) hist.push(e.string());
    assert.deepEqual(hist, ["1", "2", "3"]);
    const keys: string[] = [];
    for await (const k of await kv.keys()) keys.push(k);
    assert.deepEqual(keys.sort(), ["a", "b"]);
    await kv.purge("a");
    assert.equal((await kv.get("a"))?.operation, "PURGE");
    const st = await kv.status();
    assert.equal(st.history, 5);
    assert.ok(r3 > r2);
  });

  test("kv watch sees updates and deletes", async () => {
    const kv = await new Kvm(env.nc).create("watched");
    await kv.put("k1", "v1");
    const w = await kv.watch();
    const seen: string[] = [];
    const done = (async () => {
      for await (const e of w) {
        seen.push(`${e.key}:${e.operation}:${e.string()}`);
        if (seen.length === 3) break;
      }
    })();
    await kv.put("k2", "v2");
    await kv.delete("k1");
    await done;
    assert.deepEqual(seen, ["k1:PUT:v1", "k2:PUT:v2", "k1:DEL:"]);
  });

  test("object store: 20 MB round trip with digest, links, list, delete", async () => {
    const os = await new Objm(env.nc).create("files");
    const data = randomBytes(20 * 1024 * 1024);
    const info = await os.putBlob({ name: "big.bin" }, data);
    assert.equal(info.size, data.length);
    // The client writes base64url with padding.
    const b64 = createHash("sha256").update(data).digest("base64").replace(/\+/g, "-").replace(/\//g, "_");
    const want = `SHA-256=${b64}`;
    assert.equal(info.digest, want);
    const back = await os.getBlob("big.bin");
    assert.ok(back !== null && Buffer.from(back).equals(data));
    await os.link("alias", info);
    assert.equal((await os.getBlob("alias"))?.length, data.length);
    const names = (await os.list()).map((i) => i.name).sort();
    assert.deepEqual(names, ["alias", "big.bin"]);
    await os.delete("big.bin");
    assert.equal((await os.info("big.bin"))?.deleted, true);
    assert.equal(await os.get("big.bin"), null);
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { FileStore } from "../../../src/jetstream/store/file/file-store.js";
import type { StreamStore, StreamStoreConfig } from "../../../src/jetstream/store/index.js";
import { modelCheck } from "./model-check.js";
import { storeTable, type FakeClock } from "./store-table.js";

const root = mkdtempSync(join(tmpdir(), "tsnats-fs-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const open = (cfg: StreamStoreConfig, clock: FakeClock, dir = join(root, `s${n++}`)): Promise<FileStore> =>
  FileStore.open(cfg, { dir, clock, blockSize: 4096 });

storeTable("file", (cfg, clock) => open(cfg, clock));

/** Stops the store and opens its directory again: state must come back the same. */
async function reopen(s: StreamStore): Promise<StreamStore> {
  const fs = s as FileStore;
  await fs.stop();
  return open(fs.storeConfig, { t: 0, now: () => Date.now() } as FakeClock, fs.dir);
}
modelCheck("file", (cfg, clock) => open(cfg, clock), reopen);

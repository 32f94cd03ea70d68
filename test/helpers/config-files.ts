/**
 * Config files for reload tests: each call of `conf` writes the text to a new file in one
 * temporary folder (a reload reads the file again, so each version gets its own), and
 * `serve` starts a server from one on free ports.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFile } from "../../src/config/index.js";
import { startServer, type NatsServer } from "../../src/index.js";

export interface ConfigFiles {
  readonly dir: string;
  /** Writes `text` to a new file and returns its path. */
  conf(text: string): string;
  /** Removes the folder and everything written to it. */
  remove(): void;
}

export function configFiles(prefix: string): ConfigFiles {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let n = 0;
  return {
    dir,
    conf(text: string): string {
      const file = join(dir, `r${++n}.conf`);
      writeFileSync(file, text);
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Starts a server from `file` (which must load without errors) on 127.0.0.1, port 0. */
export async function serveConfigFile(file: string): Promise<NatsServer> {
  const r = loadConfigFile(file);
  assert.deepEqual(r.errors, []);
  return startServer({ ...r.options, port: 0, host: "127.0.0.1" });
}

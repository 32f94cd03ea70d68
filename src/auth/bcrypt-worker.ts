/**
 * The bcrypt worker thread (see bcrypt.ts): answers `{id, given, hash}` with `{id, ok}`,
 * so the slow comparison never runs on the server's event loop.
 */
import { parentPort } from "node:worker_threads";
import bcrypt from "bcryptjs";

parentPort?.on("message", (m: { id: number; given: string; hash: string }) => {
  let ok = false;
  try {
    ok = bcrypt.compareSync(m.given, m.hash);
  } catch {
    ok = false;
  }
  parentPort?.postMessage({ id: m.id, ok });
});

/**
 * Loads a dependency on first use, synchronously. Start-up time is a feature (tools start
 * a server per test): @nats-io/nkeys with tweetnacl and bcryptjs cost ~20 ms to import,
 * and most servers never see an nkey or a bcrypt hash.
 *
 * In the server bundle (scripts/bundle-server.mjs) this module's body is replaced by one that
 * uses the CommonJS `require` the bin passes in: node:module would load parts of the ESM
 * loader at start.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** Returns a function that requires `id` the first time it is called, then caches it. */
export function lazyRequire<T>(id: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= require(id) as T);
}

/**
 * JetStream storage: the {@link StreamStore} and {@link ConsumerStore} interfaces, the memory
 * store and the file store. See README.md in this folder for the design and the durability
 * guarantees.
 */
export type * from "./types.js";
export * from "./errors.js";
export { MemoryStore } from "./memory-store.js";
export { makeFilter, singleFilter } from "./filter.js";
export { newStoreMsg } from "./base-store.js";
export { parseMessageTtl } from "./ttl-heap.js";
export {
  systemClock, compareTs, tsToNanosString, tsToBigInt, tsFromNanos, tsToIso, IsoFormatter, tsFromIso, ZERO_TIME_JSON,
  type StoreClock,
} from "./time.js";
export { defaultStreamStoreConfig } from "./config.js";
export { FileStore, DEFAULT_SYNC_INTERVAL_MS, type FileStoreOptions, type CorruptionReport } from "./file/file-store.js";
export { nodeFs, type StoreFs } from "./file/io.js";
export { ReadBudget, DEFAULT_READ_BUDGET_BYTES } from "./file/read-cache.js";

/** Defaults for the store configuration. */
import type { StreamStoreConfig } from "./types.js";

/** A store config with no limits (nats-server's defaults for a new stream), overridden by `over`. */
export function defaultStreamStoreConfig(over: Partial<StreamStoreConfig> = {}): StreamStoreConfig {
  return {
    name: "",
    subjects: [],
    retention: "limits",
    maxMsgs: -1,
    maxBytes: -1,
    maxAgeMs: 0,
    maxMsgsPerSubject: -1,
    maxMsgSize: -1,
    discard: "old",
    discardNewPerSubject: false,
    allowMsgTtl: false,
    firstSeq: 0,
    ...over,
  };
}

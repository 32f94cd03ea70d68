/**
 * The Raft layer's entry point for the rest of tsnats (internal API; not re-exported from
 * src/index.ts). See docs/raft.md.
 */
export { RaftNode, type RaftOptions, type RaftRestore, type ProposeResult } from "./raft.js";
export { RaftDriver, RaftError, realEnv, type DriverOptions, type Env, type StateMachine, type ProposeCallback } from "./driver.js";
export { MemoryTransport, NatsTransport, RAFT_SUBJECT_PREFIX, type Transport, type InternalBus, type MessageHandler } from "./transport.js";
export { ConfChangeType, decodeConf, type ConfChange } from "./conf.js";
export { encodeMessage, decodeMessage, CodecError } from "./codec.js";
export { Wal, type WalOptions, type WalRecovery, type WalStatus } from "./wal/wal.js";
export { FsDisk, MemDisk, type Disk } from "./wal/disk.js";
export * from "./types.js";

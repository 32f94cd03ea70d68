/**
 * The leaf node handshake as data (nats-server leafnode.go leafConnectInfo, server.go Info
 * with the leaf fields) and credentials files. Pure: no sockets, no server.
 */
import type { LinkConnect, LinkInfo } from "../cluster/link-info.js";
import { readFileSync } from "node:fs";
import type { SubjectPermission } from "../server/options.js";

/** nats-server leafNodeLoopDetectionSubjectPrefix: each account's loop detection subject. */
export const LDS_PREFIX = "$LDS.";
/** nats-server leafnode.go: how long a dialing leaf waits for the hub's INFO, then its connect answer. */
export const CONNECT_PROCESS_TIMEOUT_MS = 2000;
/** nats-server leafNodeReconnectDelayAfterLoopDetected (and after a same cluster name). */
export const LOOP_RECONNECT_DELAY_MS = 30_000;

/** nats-server errors.go, as the peer sees them in -ERR. */
export const ERR_CLIENT_CONNECTED_TO_LEAF_PORT = "attempted to connect to leaf node port";
export const ERR_CONNECTED_TO_WRONG_PORT = "attempted to connect to wrong port";
export const ERR_LEAF_SAME_CLUSTER_NAME = "remote leafnode has same cluster name";
export const ERR_DUPLICATE_LEAF = "Duplicate Remote LeafNode Connection";

/** The fields of a leaf node INFO that tsnats reads or sends. */
export interface LeafInfo extends LinkInfo {
  jetstream?: boolean;
  client_id?: number;
  nonce?: string;
  cluster?: string;
  domain?: string;
  /** The hub answers CONNECT with a second INFO (connect_info); 2.2+. */
  info_on_connect?: boolean;
  connect_info?: boolean;
  leafnode_urls?: string[];
  /** The hub cluster's other servers' WebSocket URLs (for ws:// remotes). */
  ws_connect_urls?: string[];
  /** The hub account this leaf connection is bound to. */
  remote_account?: string;
  import?: SubjectPermission;
  export?: SubjectPermission;
}

/** A leaf node CONNECT (nats-server leafConnectInfo). `lang` only ever comes from clients. */
export interface LeafConnect extends LinkConnect {
  version?: string;
  /** The spoke's server-to-server protocol level (2.11; MSG_TRACE_PROTO for tracing). */
  proto?: number;
  jwt?: string;
  sig?: string;
  server_id?: string;
  domain?: string;
  is_hub?: boolean;
  cluster?: string;
  headers?: boolean;
  jetstream?: boolean;
  deny_pub?: string[];
  nkey?: string;
}

/** A user JWT and its nkey seed from a `.creds` file (nats-server credsRe), or an error text. */
export function readCredentials(path: string): { jwt: string; seed: string } | string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return (err as Error).message;
  }
  const items = [...text.matchAll(/\s*(?:-{3,}[^\n]*-{3,}\r?\n)([\s\S]+?)(?:\r?\n\s*-{3,}[^\n]*-{3,}\r?\n?)/g)].map((m) => m[1]!.trim());
  if (items.length < 2) return "Credentials file malformed";
  return { jwt: items[0]!, seed: items[1]! };
}

/** `nats-leaf://host:port` of an INFO's `leafnode_urls` entry (`host:port`). */
export function leafUrlFrom(hostPort: string, scheme = "nats-leaf"): URL | null {
  try {
    return new URL(`${scheme}://${hostPort}`);
  } catch {
    return null;
  }
}

/** `LS+ subject [queue weight]` / `LS- subject [queue]` split; null when the field count is wrong. */
export function parseLeafInterest(arg: Buffer, subscribe: boolean): { subject: string; queue: string | null; weight: number; key: string } | null {
  const f = arg
    .toString("latin1")
    .split(/[ \t\r\n]+/)
    .filter((t) => t !== "");
  if (subscribe ? f.length !== 1 && f.length !== 3 : f.length !== 1 && f.length !== 2) return null;
  const subject = f[0]!;
  const queue = f.length > 1 ? f[1]! : null;
  let weight = 1;
  if (subscribe && queue !== null) {
    weight = Number.parseInt(f[2]!, 10);
    if (!Number.isFinite(weight) || weight < 0) weight = 1;
  }
  return { subject, queue, weight, key: queue === null ? subject : `${subject} ${queue}` };
}

/**
 * The gateway handshake's JSON, its commands and the `_GR_.` reply prefix, as data
 * (nats-server gateway.go, server.go Info, client.go connectInfo). Pure: no sockets, no
 * server.
 */
import type { LinkInfo, ServerConnect } from "../cluster/link-info.js";
import { createHash } from "node:crypto";

/** gateway.go gatewayCmdGossip / AllSubsStart / AllSubsComplete: INFO `gateway_cmd`. */
export const GW_CMD_GOSSIP = 1;
export const GW_CMD_ALL_SUBS_START = 2;
export const GW_CMD_ALL_SUBS_COMPLETE = 3;

/** gateway.go defaultGatewayMaxRUnsubBeforeSwitch: RS- sent for one account before it goes interest-only. */
export const MAX_RUNSUB_BEFORE_SWITCH = 1000;

/** `_GR_.<cluster hash>.<server hash>.`: a reply routed back to the server that sent a request. */
export const GW_REPLY_PREFIX = "_GR_.";
export const GW_HASH_LEN = 6;
/** Where the original reply subject starts in a routed one (5 + 6 + 1 + 6 + 1). */
export const GW_SUBJECT_OFFSET = GW_REPLY_PREFIX.length + 2 * (GW_HASH_LEN + 1);

/** nats-server errors.go ErrClientOrRouteConnectedToGatewayPort. */
export const ERR_CLIENT_OR_ROUTE_CONNECTED_TO_GATEWAY_PORT = "attempted to connect to gateway port";

/** The fields of a gateway INFO that tsnats reads or sends (nats-server Info). */
export interface GatewayInfo extends LinkInfo {
  nonce?: string;
  /** The name of the sender's gateway (its cluster). */
  gateway?: string;
  /** Gateway URLs (`host:port`) of the sender's cluster. */
  gateway_urls?: string[];
  /** The sender's own gateway URL (also in route INFO). */
  gateway_url?: string;
  gateway_cmd?: number;
  /** The command's argument (an account name), base64 as Go encodes a []byte. */
  gateway_cmd_payload?: string;
  /** Uses the `_GR_.` prefix (not the old `$GR.`) for mapped replies. */
  gateway_nrp?: boolean;
  /** Switches every account to interest-only mode at once (2.9+). */
  gateway_iom?: boolean;
}

/** A gateway CONNECT (client.go connectInfo as sendGatewayConnect fills it). */
export type GatewayConnect = ServerConnect;

/** Digits of nats-server's name hashes (accounts.go digits, base 62). */
const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** nats-server getHashSize(name, 6) (getGWHash): cluster and server hashes of `_GR_.` replies. */
export function gatewayHash(name: string): string {
  const sum = createHash("sha256").update(name).digest();
  let out = "";
  for (let i = 0; i < GW_HASH_LEN; i++) out += DIGITS[sum[i]! % 62];
  return out;
}

/** `_GR_.<cluster>.<server>.`, this server's reply prefix. */
export function replyPrefix(gatewayName: string, serverId: string): string {
  return `${GW_REPLY_PREFIX}${gatewayHash(gatewayName)}.${gatewayHash(serverId)}.`;
}

/** Whether `arg[start, end)` is a routed reply subject (`_GR_.` and more than the two hashes). */
export function isRoutedReply(arg: Uint8Array, start: number, end: number): boolean {
  return (
    end - start > GW_SUBJECT_OFFSET &&
    arg[start] === 95 &&
    arg[start + 1] === 71 &&
    arg[start + 2] === 82 &&
    arg[start + 3] === 95 &&
    arg[start + 4] === 46
  );
}

/** An INFO command line (gateway_cmd with an account as payload), as nats-server sends it. */
export function commandLine(gatewayName: string, cmd: number, account: string): string {
  const payload = Buffer.from(account, "latin1").toString("base64");
  return `INFO ${JSON.stringify({ server_id: "", gateway: gatewayName, gateway_cmd: cmd, gateway_cmd_payload: payload })}\r\n`;
}

/** The account a command INFO names, or null when it has none. */
export function commandAccount(info: GatewayInfo): string | null {
  const p = info.gateway_cmd_payload;
  if (typeof p !== "string" || p === "") return null;
  return Buffer.from(p, "base64").toString("latin1");
}

/** A gateway URL (`nats://host:port`, or `host:port` as INFO lists them), or null. */
export function parseGatewayUrl(raw: string, tls: boolean): URL | null {
  try {
    const u = new URL(raw.includes("://") ? raw : `${tls ? "tls" : "nats"}://${raw}`);
    return u.hostname !== "" && u.port !== "" ? u : null;
  } catch {
    return null;
  }
}

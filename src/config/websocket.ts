/**
 * The `websocket {}` (alias `ws`) and `mqtt {}` blocks: nats-server opts.go
 * parseWebsocket and parseMQTT. Authentication in both is the `authorization` (alias
 * `authentication`) block of parseSimpleAuth: user, password, token, timeout; a `users`
 * list there is an unknown field, as in nats-server. Unknown keys are errors.
 */
import type { MqttOptions, WebsocketOptions } from "../server/options.js";
import { parseSimpleAuth } from "./blocks.js";
import type { MapEntry } from "./parser.js";
import { parseTls } from "./tls.js";
import { describeNode, getBool, getDurationMs, getInteger, getString, getStringArray, hostPortKey, parseDuration, type Issues } from "./values.js";

/** The simple authorization block, copied into a websocket or mqtt block. */
function simpleAuth(issues: Issues, o: Partial<WebsocketOptions> | Partial<MqttOptions>, e: MapEntry): void {
  const auth = parseSimpleAuth(issues, e);
  if (auth.username !== undefined) o.username = auth.username;
  if (auth.password !== undefined) o.password = auth.password;
  if (auth.token !== undefined) o.token = auth.token;
  if (auth.timeoutMs !== undefined) o.authTimeoutMs = auth.timeoutMs;
}

/** nats-server opts.go parseWebsocket. */
export function parseWebsocket(issues: Issues, e: MapEntry): Partial<WebsocketOptions> | undefined {
  const map = e.value;
  if (map.kind !== "map") {
    issues.error(map, `Expected websocket to be a map, got ${describeNode(map)}`);
    return undefined;
  }
  const w: Partial<WebsocketOptions> = {};
  for (const we of map.entries.values()) {
    const key = we.key.toLowerCase();
    if (!hostPortKey(issues, w, we, key) && !websocketKey(issues, w, we, key)) issues.unknown(we);
  }
  return w;
}

function websocketKey(issues: Issues, w: Partial<WebsocketOptions>, e: MapEntry, key: string): boolean {
  switch (key) {
    case "advertise":
      w.advertise = getString(issues, e);
      break;
    case "no_tls":
      w.noTls = getBool(issues, e);
      break;
    case "tls":
      w.tls = parseTls(issues, e);
      break;
    case "same_origin":
      w.sameOrigin = getBool(issues, e);
      break;
    case "allowed_origins":
    case "allowed_origin":
    case "allow_origins":
    case "allow_origin":
    case "origins":
    case "origin":
      w.allowedOrigins = getStringArray(issues, e, "allowed origins");
      break;
    case "handshake_timeout":
      w.handshakeTimeoutMs = handshakeTimeout(issues, e);
      break;
    case "compress":
    case "compression":
      w.compression = getBool(issues, e);
      break;
    case "authorization":
    case "authentication":
      simpleAuth(issues, w, e);
      break;
    case "jwt_cookie":
    case "user_cookie":
    case "pass_cookie":
    case "token_cookie":
    case "no_auth_user": {
      const field = ({ jwt_cookie: "jwtCookie", user_cookie: "userCookie", pass_cookie: "passCookie", token_cookie: "tokenCookie", no_auth_user: "noAuthUser" } as const)[key];
      w[field] = getString(issues, e);
      break;
    }
    case "headers":
      w.headers = headers(issues, e);
      break;
    case "ping_interval":
      w.pingIntervalMs = getDurationMs(issues, e, true);
      break;
    default:
      return false;
  }
  return true;
}

/** `handshake_timeout`: seconds as an integer, or a duration string. */
function handshakeTimeout(issues: Issues, e: MapEntry): number | undefined {
  const v = e.value;
  if (v.kind === "integer") return v.value * 1000;
  if (v.kind === "string") {
    try {
      return parseDuration(v.value);
    } catch (err) {
      issues.error(v, (err as Error).message);
      return undefined;
    }
  }
  issues.error(v, `error parsing handshake timeout: unsupported type ${describeNode(v)}`);
  return undefined;
}

/** `headers { Name: "value" }`: extra upgrade response headers (2.11+). */
function headers(issues: Issues, e: MapEntry): Record<string, string> | undefined {
  if (e.value.kind !== "map") {
    issues.error(e.value, `error parsing headers: unsupported type ${describeNode(e.value)}`);
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const he of e.value.entries.values()) {
    if (he.value.kind === "string") out[he.key] = he.value.value;
    else issues.error(he.value, `error parsing header key ${he.key}: unsupported type ${describeNode(he.value)}`);
  }
  return out;
}

/** nats-server opts.go parseMQTT. */
export function parseMqtt(issues: Issues, e: MapEntry): Partial<MqttOptions> | undefined {
  const map = e.value;
  if (map.kind !== "map") {
    issues.error(map, `Expected mqtt to be a map, got ${describeNode(map)}`);
    return undefined;
  }
  const m: Partial<MqttOptions> = {};
  for (const me of map.entries.values()) {
    const key = me.key.toLowerCase();
    if (!hostPortKey(issues, m, me, key) && !mqttKey(issues, m, me, key)) issues.unknown(me);
  }
  return m;
}

function mqttKey(issues: Issues, m: Partial<MqttOptions>, e: MapEntry, key: string): boolean {
  switch (key) {
    case "tls":
      m.tls = parseTls(issues, e);
      break;
    case "authorization":
    case "authentication":
      simpleAuth(issues, m, e);
      break;
    case "no_auth_user":
      m.noAuthUser = getString(issues, e);
      break;
    case "ack_wait":
    case "ackwait":
      m.ackWaitMs = getDurationMs(issues, e, true);
      break;
    case "js_api_timeout":
    case "api_timeout":
      m.jsApiTimeoutMs = getDurationMs(issues, e, true);
      break;
    case "max_ack_pending":
    case "max_pending":
    case "max_inflight": {
      const n = getInteger(issues, e);
      if (n !== undefined && (n < 0 || n > 0xffff)) issues.error(e.value, `invalid value ${n}, should in [0..65535] range`);
      else m.maxAckPending = n;
      break;
    }
    case "js_domain":
      m.jsDomain = getString(issues, e);
      break;
    case "stream_replicas":
      m.streamReplicas = getInteger(issues, e);
      break;
    case "consumer_replicas":
      // v2.9 takes it; newer versions ignore it with a warning.
      if (getInteger(issues, e) !== undefined) issues.warn(e.value, "consumer replicas setting ignored in this server version");
      break;
    case "consumer_memory_storage":
      m.consumerMemoryStorage = getBool(issues, e);
      break;
    case "consumer_inactive_threshold":
    case "consumer_auto_cleanup":
      m.consumerInactiveThresholdMs = getDurationMs(issues, e, true);
      break;
    case "reject_qos2_publish":
      m.rejectQos2Publish = getBool(issues, e);
      break;
    case "downgrade_qos2_subscribe":
      m.downgradeQos2Subscribe = getBool(issues, e);
      break;
    default:
      return false;
  }
  return true;
}

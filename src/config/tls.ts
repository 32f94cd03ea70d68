/**
 * The `tls {}` block, wherever it appears (clients, cluster, gateway, leaf nodes,
 * websocket, mqtt, resolver): nats-server opts.go parseTLS. Keys, aliases and error texts
 * follow v2.9.10; keys added later (`certs`, `min_version`, `allow_insecure_cipher_suites`,
 * string forms of `handshake_first`) are accepted as the newest nats-server accepts them.
 * Cipher suite and curve names are Go's; unknown ones are errors, as in nats-server.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import type { TlsOptions } from "../server/options.js";
import type { MapEntry } from "./parser.js";
import { describeNode, getDurationMs, getMap, parseDuration, type Issues } from "./values.js";

/** Cipher suites nats-server knows: v2.9.10's table plus Go's own names (2.11+). */
const CIPHER_SUITES: ReadonlySet<string> = new Set([
  "TLS_RSA_WITH_RC4_128_SHA",
  "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
  "TLS_RSA_WITH_AES_128_CBC_SHA",
  "TLS_RSA_WITH_AES_128_CBC_SHA256",
  "TLS_RSA_WITH_AES_256_CBC_SHA",
  "TLS_RSA_WITH_AES_128_GCM_SHA256",
  "TLS_RSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
  "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
  "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
  "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
  "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
  "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
  "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
  "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
  "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
  "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
  "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
]);

/** Go tls.InsecureCipherSuites(): RC4, 3DES and CBC-SHA256 suites. */
const INSECURE_CIPHER_SUITES: ReadonlySet<string> = new Set([
  "TLS_RSA_WITH_RC4_128_SHA",
  "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
  "TLS_RSA_WITH_AES_128_CBC_SHA256",
  "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
  "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
  "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
  "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
]);

/** Curve names nats-server knows (X25519MLKEM768 since 2.11 with Go 1.24). */
const CURVES: ReadonlySet<string> = new Set(["X25519", "CurveP256", "CurveP384", "CurveP521", "X25519MLKEM768"]);

/** TLS keys nats-server knows that tsnats parses but does not honour yet (one warning each). */
const TLS_NOT_HONOURED = new Set([
  "cipher_suites",
  "curve_preferences",
  "min_version",
  "pinned_certs",
  "connection_rate_limit",
  "certs",
  "certificates",
  "ocsp_peer",
  "cert_store",
  "cert_match_by",
  "cert_match",
  "ca_certs_match",
  "cert_match_skip_invalid",
  "verify_cert_and_check_known_urls",
  "insecure",
]);

/** nats-server const.go DEFAULT_TLS_HANDSHAKE_FIRST_FALLBACK_DELAY. */
const DEFAULT_HANDSHAKE_FIRST_FALLBACK_MS = 50;

/**
 * nats-server opts.go parseTLS. `clientContext` is false for cluster and gateway blocks,
 * where `verify_cert_and_check_known_urls` is allowed.
 */
export function parseTls(issues: Issues, block: MapEntry, clientContext = true): TlsOptions | undefined {
  const map = getMap(issues, block);
  if (!map) return undefined;
  const tls: TlsOptions = {};
  const insecure: string[] = [];
  const errorsBefore = issues.errors.length;
  for (const e of map.entries.values()) {
    const key = e.key.toLowerCase();
    if (!parseTlsKey(issues, tls, e, key, clientContext, insecure)) {
      issues.unknown(e, `error parsing tls config, unknown field ["${e.key}"]`);
      continue;
    }
    if (TLS_NOT_HONOURED.has(key)) issues.unsupported(e, `tls.${e.key}`);
  }
  if (tls.certs && tls.certFile !== undefined) {
    issues.error(block.value, "error parsing tls config, cannot combine 'cert_file' option with 'certs' option");
  }
  // Like nats-server, the files are loaded only when the block itself parsed cleanly.
  const filesProblem = issues.checkFiles && issues.errors.length === errorsBefore ? tlsFilesProblem(tls) : undefined;
  if (filesProblem !== undefined) issues.error({ pos: block.keyPos }, filesProblem);
  if (insecure.length > 0 && !tls.allowInsecureCipherSuites) {
    // nats-server v2.9 accepts these; 2.11+ refuses them without the opt-in.
    issues.warn(
      block.value,
      `insecure cipher suites configured without 'allow_insecure_cipher_suites' option set: ${insecure.join(", ")}`,
    );
  }
  return tls;
}

/** One key of a tls block; false when the key is unknown. */
function parseTlsKey(
  issues: Issues,
  tls: TlsOptions,
  e: MapEntry,
  key: string,
  clientContext: boolean,
  insecure: string[],
): boolean {
  return identityKey(issues, tls, e, key, clientContext) || handshakeKey(issues, tls, e, key, insecure) || certStoreKey(issues, e, key);
}

/** Files and peer verification. */
function identityKey(issues: Issues, tls: TlsOptions, e: MapEntry, key: string, clientContext: boolean): boolean {
  switch (key) {
    case "cert_file":
    case "key_file":
    case "ca_file": {
      if (e.value.kind !== "string") {
        issues.error(e.value, `error parsing tls config, expected '${key}' to be filename`);
        break;
      }
      if (key === "cert_file") tls.certFile = e.value.value;
      else if (key === "key_file") tls.keyFile = e.value.value;
      else tls.caFile = e.value.value;
      break;
    }
    case "certs":
    case "certificates":
      tls.certs = certPairs(issues, e);
      break;
    case "verify":
      tls.verify = tlsBool(issues, e, key);
      break;
    case "verify_and_map": {
      const b = tlsBool(issues, e, key);
      if (b) tls.verify = true;
      tls.verifyAndMap = b;
      break;
    }
    case "verify_cert_and_check_known_urls": {
      const b = tlsBool(issues, e, key);
      if (b && clientContext) issues.error(e.value, "verify_cert_and_check_known_urls not supported in this context");
      else if (b !== undefined) {
        if (b) tls.verify = true;
        tls.verifyCertAndCheckKnownUrls = b;
      }
      break;
    }
    case "insecure":
      tls.insecure = tlsBool(issues, e, key);
      break;
    case "pinned_certs":
      tls.pinnedCerts = pinnedCerts(issues, e);
      break;
    default:
      return false;
  }
  return true;
}

/** Protocol versions, suites, curves, timeouts. */
function handshakeKey(issues: Issues, tls: TlsOptions, e: MapEntry, key: string, insecure: string[]): boolean {
  switch (key) {
    case "allow_insecure_cipher_suites":
      tls.allowInsecureCipherSuites = tlsBool(issues, e, key);
      break;
    case "cipher_suites":
      tls.cipherSuites = nameList(issues, e, CIPHER_SUITES, "cipher");
      for (const c of tls.cipherSuites ?? []) if (INSECURE_CIPHER_SUITES.has(c)) insecure.push(c);
      break;
    case "curve_preferences":
      tls.curvePreferences = nameList(issues, e, CURVES, "curve preference");
      break;
    case "timeout":
      tls.timeoutMs = tlsTimeoutMs(issues, e);
      break;
    case "connection_rate_limit":
      if (e.value.kind === "integer") tls.connectionRateLimit = e.value.value;
      else issues.error(e.value, "error parsing tls config, 'connection_rate_limit' wrong type");
      break;
    case "handshake_first":
    case "first":
    case "immediate":
      handshakeFirst(issues, tls, e);
      break;
    case "min_version":
      tls.minVersion = minVersion(issues, e);
      break;
    default:
      return false;
  }
  return true;
}

/** OCSP peer checks and the Windows certificate store: checked, not honoured. */
function certStoreKey(issues: Issues, e: MapEntry, key: string): boolean {
  switch (key) {
    case "ocsp_peer":
      if (e.value.kind !== "bool" && e.value.kind !== "map") {
        issues.error(e.value, `error parsing ocsp peer config: unsupported type ${describeNode(e.value)}`);
      }
      break;
    case "cert_store":
    case "cert_match_by":
    case "cert_match":
      if (e.value.kind !== "string" || e.value.value === "") issues.error(e.value, `error parsing tls config, expected '${key}' to be a non-empty string`);
      break;
    case "ca_certs_match":
      break;
    case "cert_match_skip_invalid":
      tlsBool(issues, e, key);
      break;
    default:
      return false;
  }
  return true;
}

function tlsBool(issues: Issues, e: MapEntry, key: string): boolean | undefined {
  if (e.value.kind === "bool") return e.value.value;
  issues.error(e.value, `error parsing tls config, expected '${key}' to be a boolean`);
  return undefined;
}

/** `cipher_suites` / `curve_preferences`: a non-empty array of known names. */
function nameList(issues: Issues, e: MapEntry, known: ReadonlySet<string>, what: string): string[] | undefined {
  const v = e.value;
  if (v.kind !== "array") {
    issues.error(v, `error parsing tls config, expected '${e.key}' to be an array, got ${describeNode(v)}`);
    return undefined;
  }
  if (v.items.length === 0) {
    issues.error({ pos: e.keyPos }, `error parsing tls config, '${e.key}' cannot be empty`);
    return undefined;
  }
  const out: string[] = [];
  for (const item of v.items) {
    if (item.kind !== "string") issues.error(item, `error parsing tls config, expected a string in '${e.key}', got ${describeNode(item)}`);
    else if (!known.has(item.value)) issues.error(item, `unrecognized ${what} ${item.value}`);
    else out.push(item.value);
  }
  return out.length === v.items.length ? out : undefined;
}

/** TLS `timeout`: seconds as integer or float, or a duration string. */
function tlsTimeoutMs(issues: Issues, e: MapEntry): number | undefined {
  const v = e.value;
  if (v.kind === "integer" || v.kind === "float") return v.value * 1000;
  if (v.kind === "string") return getDurationMs(issues, e, false);
  issues.error(v, "error parsing tls config, 'timeout' wrong type");
  return undefined;
}

function pinnedCerts(issues: Issues, e: MapEntry): string[] | undefined {
  const v = e.value;
  if (v.kind !== "array") {
    issues.error(
      v,
      "error parsing tls config, expected 'pinned_certs' to be a list of hex-encoded sha256 of DER encoded SubjectPublicKeyInfo",
    );
    return undefined;
  }
  const out: string[] = [];
  for (const item of v.items) {
    const s = item.kind === "string" ? item.value.toLowerCase() : "";
    if (!/^[a-f0-9]{64}$/.test(s)) {
      issues.error(
        item,
        `error parsing tls config, 'pinned_certs' key ${s || describeNode(item)} does not look like hex-encoded sha256 of DER encoded SubjectPublicKeyInfo`,
      );
    } else out.push(s);
  }
  return out.length > 0 ? out : undefined;
}

/** `handshake_first`: a boolean, "on"/"off", "auto", or a fallback duration (2.10.4+). */
function handshakeFirst(issues: Issues, tls: TlsOptions, e: MapEntry): void {
  const v = e.value;
  if (v.kind === "bool") {
    tls.handshakeFirst = v.value;
    return;
  }
  if (v.kind !== "string") {
    issues.error(v, `field "${e.key}" should be a boolean or a string, got ${describeNode(v)}`);
    return;
  }
  const s = v.value.toLowerCase();
  if (s === "true" || s === "on") tls.handshakeFirst = true;
  else if (s === "false" || s === "off") tls.handshakeFirst = false;
  else if (s === "auto" || s === "auto_fallback") {
    tls.handshakeFirst = true;
    tls.handshakeFirstFallbackMs = DEFAULT_HANDSHAKE_FIRST_FALLBACK_MS;
  } else {
    try {
      tls.handshakeFirstFallbackMs = parseDuration(v.value);
      tls.handshakeFirst = true;
    } catch {
      issues.error(v, `field "${e.key}"'s value "${v.value}" is invalid`);
    }
  }
}

/** `min_version`: "1.2" or "1.3" (also "TLS1.2", "tls12"...); older versions are refused. */
function minVersion(issues: Issues, e: MapEntry): string | undefined {
  const v = e.value;
  if (v.kind !== "string") {
    issues.error(v, `error parsing tls config: 'min_version' wrong type: ${describeNode(v)}`);
    return undefined;
  }
  const m = /^(?:tls(?:v)?)?\s*1\.?([0-3])$/i.exec(v.value.trim());
  if (!m) {
    issues.error(v, `error parsing tls config: unknown version: ${v.value}`);
    return undefined;
  }
  if (m[1] === "0" || m[1] === "1") {
    issues.error(v, `error parsing tls config: unsupported TLS version: TLS 1.${m[1]}`);
    return undefined;
  }
  return `1.${m[1]}`;
}

/** `certs: [{cert_file, key_file}, ...]` (2.11+). */
function certPairs(issues: Issues, e: MapEntry): Array<{ certFile: string; keyFile: string }> | undefined {
  if (e.value.kind !== "array") {
    issues.error(e.value, `error parsing certificates config: unsupported type ${describeNode(e.value)}`);
    return undefined;
  }
  const out: Array<{ certFile: string; keyFile: string }> = [];
  for (const item of e.value.items) {
    if (item.kind !== "map") {
      issues.error(item, `error parsing certificates config: unsupported type ${describeNode(item)}`);
      continue;
    }
    let certFile = "";
    let keyFile = "";
    for (const pe of item.entries.values()) {
      if (pe.value.kind !== "string") {
        issues.error(pe.value, `error parsing certificates config: unsupported type ${describeNode(pe.value)}`);
      } else if (pe.key === "cert_file") certFile = pe.value.value;
      else if (pe.key === "key_file") keyFile = pe.value.value;
      else issues.unknown(pe, `error parsing tls certs config, unknown field "${pe.key}"`);
    }
    if (certFile === "" || keyFile === "") {
      issues.error(item, "error parsing certificates config: both 'cert_file' and 'cert_key' options are required");
    } else out.push({ certFile, keyFile });
  }
  return out;
}

/** Go's wording for a file that cannot be read (`open x.pem: no such file or directory`). */
function readPem(path: string): string {
  try {
    return readFileSync(path, "latin1");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : (err as Error).message;
    throw new Error(`open ${path}: ${why}`);
  }
}

/** Go tls.LoadX509KeyPair: the first certificate of the file, the key, and that they match. */
function keyPairProblem(certFile: string, keyFile: string): string | undefined {
  try {
    const certPem = readPem(certFile);
    const keyPem = readPem(keyFile);
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(certPem);
    } catch {
      return "tls: failed to find any PEM data in certificate input";
    }
    let key: KeyObject;
    try {
      key = createPrivateKey(keyPem);
    } catch {
      return "tls: failed to find any PEM data in key input";
    }
    return cert.checkPrivateKey(key) ? undefined : "tls: private key does not match public key";
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * nats-server GenTLSConfig, which `-t` runs too: cert and key come together, load, and
 * match; the CA file holds a certificate. Returns the first problem, in its words.
 */
function tlsFilesProblem(tls: TlsOptions): string | undefined {
  if (tls.certFile !== undefined && tls.keyFile === undefined) return "missing 'key_file' in TLS configuration";
  if (tls.certFile === undefined && tls.keyFile !== undefined) return "missing 'cert_file' in TLS configuration";
  const pairs = tls.certFile !== undefined && tls.keyFile !== undefined ? [{ certFile: tls.certFile, keyFile: tls.keyFile }] : [];
  for (const p of [...pairs, ...(tls.certs ?? [])]) {
    const bad = keyPairProblem(p.certFile, p.keyFile);
    if (bad !== undefined) return `error parsing X509 certificate/key pair: ${bad}`;
  }
  if (tls.caFile !== undefined) {
    try {
      const pem = readPem(tls.caFile);
      new X509Certificate(pem);
    } catch (err) {
      return (err as Error).message.startsWith("open ") ? (err as Error).message : "failed to parse root ca certificate";
    }
  }
  return undefined;
}

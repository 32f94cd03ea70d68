/**
 * TLS for client connections (nats-server server.go createClient / client.go TLS
 * handshake). NATS upgrades after INFO: the server sends INFO with `tls_required`, then
 * the client starts the handshake on the same socket. With `handshake_first` the
 * handshake comes before INFO. A client that sends plain text instead gets the socket
 * closed with "TLS handshake error" logged, as nats-server does.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type net from "node:net";
import { Duplex } from "node:stream";
import type tls from "node:tls";
import { lazyRequire } from "../util/lazy-require.js";
import { TsnatsError } from "../errors.js";
import type { Client } from "./client.js";
import type { Connection } from "./connection.js";
import { ClosedState } from "./closed-state.js";
import type { ServerLogger } from "./logger.js";
import type { TlsOptions } from "./options.js";

/** node:tls costs ~20 ms to load and most servers never use TLS: loaded on first use. */
const tlsModule = lazyRequire<typeof tls>("node:tls");

/** nats-server const.go TLS_TIMEOUT: how long a handshake may take. */
export const DEFAULT_TLS_TIMEOUT_MS = 2000;
/** First byte of a TLS record carrying a handshake (ClientHello). */
const TLS_HANDSHAKE_RECORD = 0x16;

/** Error code for unreadable or invalid certificate files. */
export const ERR_TLS_CONFIG = "ERR_TLS_CONFIG";

/**
 * A loaded TLS configuration: the secure context built from the files, and the options
 * it came from. Built at start and again on reload (a new context only affects new
 * connections, as in nats-server).
 */
export class ServerTls {
  private constructor(
    readonly options: TlsOptions,
    readonly context: tls.SecureContext,
    readonly timeoutMs: number,
    /** Trusted issuers of client certificates (ca_file, else the system roots). */
    private readonly cas: readonly X509Certificate[],
  ) {}

  /** Loads cert, key and CA files; throws TsnatsError ERR_TLS_CONFIG with the reason. */
  static load(o: TlsOptions): ServerTls {
    if (!o.certFile || !o.keyFile) {
      throw new TsnatsError(ERR_TLS_CONFIG, "missing 'cert_file' or 'key_file' in TLS configuration");
    }
    let cert: Buffer, key: Buffer, ca: Buffer | undefined;
    try {
      cert = readFileSync(o.certFile);
      key = readFileSync(o.keyFile);
      ca = o.caFile ? readFileSync(o.caFile) : undefined;
    } catch (err) {
      throw new TsnatsError(ERR_TLS_CONFIG, `error parsing X509 certificate/key pair: ${(err as Error).message}`, { cause: err });
    }
    let context: tls.SecureContext;
    try {
      context = tlsModule().createSecureContext({ cert, key, ca, minVersion: "TLSv1.2" });
    } catch (err) {
      throw new TsnatsError(ERR_TLS_CONFIG, `error parsing X509 certificate/key pair: ${(err as Error).message}`, { cause: err });
    }
    const timeoutMs = o.timeoutMs !== undefined && o.timeoutMs > 0 ? o.timeoutMs : DEFAULT_TLS_TIMEOUT_MS;
    let cas: X509Certificate[];
    try {
      cas = splitPem(ca !== undefined ? ca.toString("latin1") : tlsModule().rootCertificates.join("\n")).map((p) => new X509Certificate(p));
    } catch (err) {
      throw new TsnatsError(ERR_TLS_CONFIG, `failed to parse root ca certificate: ${(err as Error).message}`, { cause: err });
    }
    return new ServerTls(o, context, timeoutMs, cas);
  }

  /** Whether clients must present a certificate signed by the CA (`verify`). */
  get verify(): boolean {
    return this.options.verify === true || this.options.verifyAndMap === true;
  }

  /**
   * Wraps `raw` in a server-side TLSSocket. The handshake starts when the client's
   * ClientHello arrives; on failure or timeout the client is closed as nats-server does.
   * `label` names the connection kind in the log as nats-server does for some
   * ("leafnode " gives "TLS leafnode handshake error").
   */
  wrap(raw: net.Socket | Duplex, c: Connection, logger: ServerLogger, label = ""): tls.TLSSocket {
    const s = new (tlsModule().TLSSocket)(raw, {
      isServer: true,
      secureContext: this.context,
      requestCert: this.verify,
      rejectUnauthorized: this.verify,
    });
    const timer = setTimeout(() => {
      logger.error(`${c.logPrefix()}TLS ${label}handshake timeout`);
      c.closeConnection(ClosedState.TLSHandshakeError, true);
    }, this.timeoutMs);
    timer.unref();
    s.once("secure", () => {
      clearTimeout(timer);
      // A TLSSocket made by hand does not reject a certificate from an unknown issuer
      // (OpenSSL only enforces that one is sent), so verify the chain here.
      const why = this.verify ? this.peerProblem(s) : null;
      if (why !== null) {
        logger.error(`${c.logPrefix()}TLS ${label}handshake error: ${why}`);
        c.closeConnection(ClosedState.TLSHandshakeError, true);
        return;
      }
      logger.debug(`${c.logPrefix()}TLS handshake complete`);
    });
    s.once("close", () => clearTimeout(timer));
    // Errors before the handshake completes are handshake errors (Client logs later ones).
    s.prependOnceListener("error", (err: Error) => {
      if ((s as tls.TLSSocket & { _secureEstablished?: boolean })._secureEstablished) return;
      clearTimeout(timer);
      logger.error(`${c.logPrefix()}TLS ${label}handshake error: ${handshakeErrorText(err)}`);
      c.closeConnection(ClosedState.TLSHandshakeError, true);
    });
    return s;
  }

  /**
   * Why the client's certificate chain is not acceptable, or null: every certificate must
   * be in its validity period and signed by the next, the last by a trusted CA.
   */
  private peerProblem(s: tls.TLSSocket): string | null {
    const detailed = s.getPeerCertificate(true);
    if (!detailed || Object.keys(detailed).length === 0) return "client didn't provide a certificate";
    const now = Date.now();
    let cert: tls.DetailedPeerCertificate | undefined = detailed;
    for (let depth = 0; cert !== undefined && depth < 10; depth++) {
      const x = new X509Certificate(cert.raw);
      if (Date.parse(x.validFrom) > now || Date.parse(x.validTo) < now) return "certificate has expired or is not yet valid";
      if (this.cas.some((ca) => x.checkIssued(ca) && x.verify(ca.publicKey))) return null;
      const issuer: tls.DetailedPeerCertificate | undefined = cert.issuerCertificate;
      if (issuer === undefined || issuer === cert || issuer.raw.equals(cert.raw)) break;
      const ix = new X509Certificate(issuer.raw);
      if (!x.checkIssued(ix) || !x.verify(ix.publicKey)) break;
      cert = issuer;
    }
    return "certificate signed by unknown authority";
  }
}

/**
 * The names a verified client certificate can map to a user with, in the order
 * nats-server tries them: e-mail addresses, DNS names and URIs from the subject
 * alternative names, then the subject DN as RFC 2253 writes it (`CN=alice,O=Acme,C=US`),
 * then in the certificate's own order (`C=US,O=Acme,CN=alice`).
 */
export function certIdentities(s: tls.TLSSocket): string[] {
  const x = s.getPeerX509Certificate();
  if (x === undefined) return [];
  const out: string[] = [];
  const sans = (x.subjectAltName ?? "").split(/,\s*/).filter((e) => e.length > 0);
  for (const kind of ["email:", "DNS:", "URI:"]) {
    for (const san of sans) if (san.startsWith(kind)) out.push(san.slice(kind.length));
  }
  const rdns = x.subject.split("\n").filter((r) => r.length > 0);
  out.push([...rdns].reverse().join(","), rdns.join(","));
  return out;
}

/** OpenSSL's complaints about a peer that did not start with a TLS record. */
const NOT_TLS_CODES = new Set(["ERR_SSL_HTTP_REQUEST", "ERR_SSL_HTTPS_PROXY_REQUEST", "ERR_SSL_WRONG_VERSION_NUMBER", "ERR_SSL_PACKET_LENGTH_TOO_LONG"]);

/** A handshake error as Go's crypto/tls words the common case (plain text instead of a ClientHello), else OpenSSL's. */
function handshakeErrorText(err: Error & { code?: string }): string {
  return err.code !== undefined && NOT_TLS_CODES.has(err.code) ? "tls: first record does not look like a TLS handshake" : err.message;
}

function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** INFO fields for TLS (nats-server Info.TLSRequired / TLSVerify / TLSAvailable). */
export function tlsInfoFields(t: ServerTls | null, allowNonTls: boolean): Record<string, boolean> {
  if (t === null) return {};
  const out: Record<string, boolean> = {};
  if (allowNonTls) out.tls_available = true;
  else out.tls_required = true;
  if (t.verify) out.tls_verify = true;
  return out;
}

/**
 * Sets up TLS for a newly accepted client before it starts reading: writes INFO on the
 * plain socket (unless `handshake_first`) and swaps in the TLS socket. With
 * `allow_non_tls` the first byte the client sends decides; `onReady` is then called
 * once the socket to read from is known.
 */
export function startClientTls(t: ServerTls, c: Client, allowNonTls: boolean, logger: ServerLogger, onReady: () => void): void {
  const raw = c.socket as net.Socket;
  if (t.options.handshakeFirst === true && !allowNonTls) {
    c.socket = t.wrap(raw, c, logger);
    onReady();
    return;
  }
  raw.write(c.server.infoFor(c));
  c.infoSent = true;
  if (!allowNonTls) {
    c.socket = t.wrap(raw, c, logger);
    onReady();
    return;
  }
  // allow_non_tls: peek at the first chunk; a TLS record header means upgrade.
  raw.once("readable", () => {
    const first = raw.read(1) as Buffer | null;
    if (first !== null) raw.unshift(first);
    if (first !== null && first[0] === TLS_HANDSHAKE_RECORD) c.socket = t.wrap(streamOver(raw), c, logger);
    onReady();
  });
  raw.once("error", () => {});
}

/**
 * A plain Duplex over `raw`. TLSSocket takes over a net.Socket's handle directly and would
 * miss bytes already read (and unshifted) by the peek; over a Duplex it reads through JS.
 */
function streamOver(raw: net.Socket): Duplex {
  const d = new Duplex({
    read() {
      raw.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      raw.write(chunk, cb);
    },
    final(cb) {
      raw.end();
      cb();
    },
    destroy(err, cb) {
      raw.destroy(err ?? undefined);
      cb(err);
    },
  });
  raw.on("data", (b: Buffer) => {
    if (!d.push(b)) raw.pause();
  });
  raw.on("end", () => d.push(null));
  raw.on("close", () => d.destroy());
  raw.on("error", (err) => d.destroy(err));
  return d;
}

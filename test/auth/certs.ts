/**
 * Throw-away certificates for TLS tests, made with the openssl command at test time in a
 * temporary directory (no key is ever committed). `makeCerts()` returns null when
 * openssl is missing, so tests can skip with a message.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCerts {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client pair signed by another CA, which the server must refuse. */
  rogueCert: string;
  rogueKey: string;
  rogueCa: string;
  cleanup(): void;
}

export function haveOpenssl(): boolean {
  return spawnSync("openssl", ["version"], { encoding: "utf8" }).status === 0;
}

function ossl(args: string[]): void {
  const r = spawnSync("openssl", args, { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

function ca(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}-key.pem`);
  ossl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", `/CN=${name}`, "-keyout", key, "-out", cert]);
  return { cert, key };
}

function leaf(dir: string, name: string, signer: { cert: string; key: string }, ext: string): { cert: string; key: string } {
  const key = join(dir, `${name}-key.pem`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, ext);
  ossl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${name}`, "-keyout", key, "-out", csr]);
  ossl(["x509", "-req", "-in", csr, "-CA", signer.cert, "-CAkey", signer.key, "-CAcreateserial", "-days", "1", "-out", cert, "-extfile", extFile]);
  return { cert, key };
}

export function makeCerts(): TestCerts | null {
  if (!haveOpenssl()) return null;
  const dir = mkdtempSync(join(tmpdir(), "tsnats-certs-"));
  const root = ca(dir, "ca");
  const server = leaf(dir, "server", root, "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  const client = leaf(dir, "client", root, "subjectAltName=email:client@example.com\nextendedKeyUsage=clientAuth\n");
  const rogueRoot = ca(dir, "rogue-ca");
  const rogue = leaf(dir, "rogue", rogueRoot, "extendedKeyUsage=clientAuth\n");
  return {
    dir,
    caCert: root.cert,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    rogueCert: rogue.cert,
    rogueKey: rogue.key,
    rogueCa: rogueRoot.cert,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

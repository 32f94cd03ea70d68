/**
 * The pid file and the ports file (nats-server server.go logPorts): tools launch a
 * server with `--ports_file_dir` and read `<exe>_<pid>.ports` to find its listeners.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { ServerOptions } from "./options.js";

/** The executable's name as nats-server computes it (base name of argv[0]), minus `.js`. */
export function executableName(): string {
  const script = process.argv[1];
  const name = script ? basename(script).replace(/\.(c|m)?js$/, "") : "tsnats-server";
  return name || "tsnats-server";
}

export function portsFilePath(dir: string): string {
  return join(dir, `${executableName()}_${process.pid}.ports`);
}

export function writePidFile(file: string): void {
  writeFileSync(file, String(process.pid));
}

/** Listener URLs by kind: `{"nats":[...],"monitoring":[...]}`. */
export interface Ports {
  nats: string[];
  monitoring?: string[];
  cluster?: string[];
  profile?: string[];
  websocket?: string[];
}

export function writePortsFile(dir: string, ports: Ports): void {
  mkdirSync(dir, { recursive: true });
  const out: Ports = { nats: ports.nats };
  if (ports.monitoring && ports.monitoring.length > 0) out.monitoring = ports.monitoring;
  if (ports.cluster && ports.cluster.length > 0) out.cluster = ports.cluster;
  if (ports.websocket && ports.websocket.length > 0) out.websocket = ports.websocket;
  writeFileSync(portsFilePath(dir), JSON.stringify(out));
}

/** Removes what the server wrote, on shutdown (as nats-server does). */
export function removeProcessFiles(opts: ServerOptions): void {
  if (opts.pidFile) rmSync(opts.pidFile, { force: true });
  if (opts.portsFileDir) rmSync(portsFilePath(opts.portsFileDir), { force: true });
}

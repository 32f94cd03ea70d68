/**
 * A Raft group of real tsnats server processes (src/testkit/raft-kv-server.ts), joined by
 * routes that each pass through a LinkProxy, so a test can SIGKILL, SIGSTOP/SIGCONT, cut the
 * link between two nodes, and damage a stopped node's log.
 *
 * Topology: node i dials node j (i < j) through the proxy of that pair, and nobody else dials
 * that pair; every node advertises a dead route address, so gossip cannot mesh around the
 * proxies.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { LinkProxy } from "../../src/testkit/link-proxy.js";
import { SEG_HEADER } from "../../src/raft/wal/format.js";
import { freePort } from "../helpers/nats-server.js";
import { waitFor } from "../helpers/wait-for.js";

const ENTRY = fileURLToPath(new URL("../../src/testkit/raft-kv-server.js", import.meta.url));

export interface KvNode {
  id: number;
  clientPort: number;
  routePort: number;
  dir: string;
  logFile: string;
  proc: ChildProcess | null;
  stopped: boolean;
  nc: NatsConnection | null;
}

export interface KvState {
  id: number;
  role: string;
  leader: number;
  term: number;
  commit: number;
  applied: number;
  recovering: boolean;
  map: Record<string, string>;
  ids: number[];
}

export interface KvClusterOptions {
  n: number;
  baseDir: string;
  tickMs?: number;
  snapshotEntries?: number;
}

function pairKey(a: number, b: number): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1", () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}

export class KvCluster {
  readonly nodes: KvNode[] = [];
  private readonly proxies = new Map<string, LinkProxy>();
  private readonly opts: KvClusterOptions;
  private deadPort = 0;

  private constructor(opts: KvClusterOptions) {
    this.opts = opts;
  }

  static async start(opts: KvClusterOptions): Promise<KvCluster> {
    const c = new KvCluster(opts);
    c.deadPort = await freePort();
    for (let id = 1; id <= opts.n; id++) {
      const dir = join(opts.baseDir, `n${id}`);
      fs.mkdirSync(dir, { recursive: true });
      c.nodes.push({ id, clientPort: await freePort(), routePort: await freePort(), dir, logFile: join(dir, "server.log"), proc: null, stopped: false, nc: null });
    }
    for (const a of c.nodes) {
      for (const b of c.nodes) {
        if (a.id >= b.id) continue;
        const p = new LinkProxy({ targetPort: b.routePort });
        await p.start();
        c.proxies.set(pairKey(a.id, b.id), p);
      }
    }
    for (const node of c.nodes) c.writeConfig(node);
    try {
      await Promise.all(c.nodes.map((node) => c.startNode(node.id)));
      for (const node of c.nodes) {
        // Each client stays with its own node: one that followed the servers' connect_urls could
        // reconnect to a paused node and hang there (~20 s), and the test would read that as the
        // group being slow.
        node.nc = await connect({
          servers: `127.0.0.1:${node.clientPort}`,
          ignoreClusterUpdates: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 100,
          name: `kv-client-${node.id}`,
        });
      }
    } catch (err) {
      // The caller never gets the cluster to close: end what started, or the test run hangs on it.
      await c.close();
      throw err;
    }
    return c;
  }

  node(id: number): KvNode {
    const n = this.nodes[id - 1];
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  private writeConfig(node: KvNode): void {
    const routes = this.nodes
      .filter((o) => o.id > node.id)
      .map((o) => `"nats-route://127.0.0.1:${this.proxies.get(pairKey(node.id, o.id))!.port}"`);
    const conf = [
      `server_name: n${node.id}`,
      `host: 127.0.0.1`,
      `port: ${node.clientPort}`,
      `cluster {`,
      `  name: raftkv`,
      `  listen: "127.0.0.1:${node.routePort}"`,
      `  advertise: "127.0.0.1:${this.deadPort}"`,
      `  routes: [${routes.join(", ")}]`,
      `}`,
    ].join("\n");
    fs.writeFileSync(join(node.dir, "server.conf"), `${conf}\n`);
  }

  /** Starts (or restarts) node `id` and waits until it accepts clients. */
  async startNode(id: number): Promise<void> {
    const node = this.node(id);
    if (node.proc !== null) throw new Error(`node ${id} is running`);
    const logStart = fs.existsSync(node.logFile) ? fs.statSync(node.logFile).size : 0;
    const out = fs.openSync(node.logFile, "a");
    const args = [
      ENTRY,
      "-c",
      join(node.dir, "server.conf"),
      "--raft-dir",
      join(node.dir, "raft"),
      "--raft-id",
      String(id),
      "--raft-peers",
      this.nodes.map((n) => n.id).join(","),
      "--raft-tick-ms",
      String(this.opts.tickMs ?? 50),
      "--raft-snapshot",
      String(this.opts.snapshotEntries ?? 8192),
    ];
    const proc = spawn(process.execPath, args, { stdio: ["ignore", out, out] });
    fs.closeSync(out);
    node.proc = proc;
    node.stopped = false;
    proc.once("exit", () => {
      if (node.proc === proc) node.proc = null;
    });
    // Ready once it accepts clients and its Raft member is open (logged after the server started).
    const opened = () => fs.readFileSync(node.logFile).subarray(logStart).includes(`Raft group "kv": member`);
    let exited = false;
    proc.once("exit", () => (exited = true));
    await waitFor(async () => exited || (opened() && (await accepting(node.clientPort))), {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: `node ${id} serving`,
    });
    if (exited) throw new Error(`node ${id} exited at start: ${fs.readFileSync(node.logFile, "utf8").slice(logStart, logStart + 2000)}`);
  }

  /** SIGKILL: the process dies at once, whatever it was doing. */
  async kill(id: number): Promise<void> {
    const proc = this.node(id).proc;
    if (proc === null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGKILL");
    await exited;
  }

  pause(id: number): void {
    const node = this.node(id);
    node.proc?.kill("SIGSTOP");
    node.stopped = true;
  }

  resume(id: number): void {
    const node = this.node(id);
    node.proc?.kill("SIGCONT");
    node.stopped = false;
  }

  isUp(id: number): boolean {
    const node = this.node(id);
    return node.proc !== null && !node.stopped;
  }

  cut(a: number, b: number): void {
    this.proxies.get(pairKey(a, b))!.cutLink();
  }

  heal(a: number, b: number): void {
    this.proxies.get(pairKey(a, b))!.heal();
  }

  /**
   * Flips one bit inside the written part of a stopped node's log (a random segment, between
   * its header and its last non-zero byte). Returns what was flipped, or null if no log yet.
   */
  flipLogBit(id: number, rng: () => number): string | null {
    const node = this.node(id);
    if (node.proc !== null) throw new Error(`node ${id} must be down to damage its log`);
    const raftDir = join(node.dir, "raft");
    const segs = fs.readdirSync(raftDir).filter((f) => f.endsWith(".seg"));
    const candidates: { path: string; last: number }[] = [];
    for (const f of segs) {
      const buf = fs.readFileSync(join(raftDir, f));
      let last = buf.length - 1;
      while (last >= SEG_HEADER && buf[last] === 0) last--;
      if (last >= SEG_HEADER) candidates.push({ path: join(raftDir, f), last });
    }
    if (candidates.length === 0) return null;
    const c = candidates[Math.floor(rng() * candidates.length)]!;
    const off = SEG_HEADER + Math.floor(rng() * (c.last - SEG_HEADER + 1));
    const bit = Math.floor(rng() * 8);
    const fd = fs.openSync(c.path, "r+");
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, off);
    b[0] = b[0]! ^ (1 << bit);
    fs.writeSync(fd, b, 0, 1, off);
    fs.closeSync(fd);
    return `${c.path.slice(node.dir.length + 1)} byte ${off} bit ${bit} (written part ends at ${c.last})`;
  }

  /** A node's state as it reports it (no consensus), or null when it does not answer. */
  async state(id: number, timeoutMs = 1000): Promise<KvState | null> {
    const node = this.node(id);
    if (!this.isUp(id) || node.nc === null) return null;
    try {
      const m = await node.nc.request(`$TSKV.kv.${id}`, JSON.stringify({ op: "state" }), { timeout: timeoutMs });
      return m.json<KvState>();
    } catch {
      return null;
    }
  }

  /** The leader of the highest term among the nodes that answer, or 0. */
  async leader(): Promise<number> {
    const states = await Promise.all(this.nodes.map((n) => this.state(n.id, 500)));
    let best: KvState | null = null;
    for (const s of states) if (s !== null && s.role === "leader" && (best === null || s.term > best.term)) best = s;
    return best?.id ?? 0;
  }

  /** Ends every fault: heals links, resumes paused nodes, restarts killed ones. */
  async healAll(): Promise<void> {
    for (const p of this.proxies.values()) p.heal();
    for (const node of this.nodes) if (node.stopped) this.resume(node.id);
    await Promise.all(this.nodes.filter((n) => n.proc === null).map((n) => this.startNode(n.id)));
  }

  logText(id: number): string {
    return fs.readFileSync(this.node(id).logFile, "utf8");
  }

  async close(): Promise<void> {
    for (const node of this.nodes) {
      if (node.stopped) this.resume(node.id);
      await node.nc?.close().catch(() => undefined);
      node.nc = null;
    }
    await Promise.all(this.nodes.map((n) => this.kill(n.id)));
    for (const p of this.proxies.values()) await p.close();
  }
}

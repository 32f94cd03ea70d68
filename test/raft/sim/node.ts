/**
 * One simulated server hosting one Raft group member: the real RaftDriver, WAL and core, over a
 * SimDisk, the SimNetwork and a virtual clock. Crash, pause, restart, power loss and wipe act on
 * it; `run` is the door every event goes through (held while paused, dropped once crashed).
 */
import { RaftDriver, type Env } from "../../../src/raft/driver.js";
import type { RaftBugs } from "../../../src/raft/types.js";
import type { ConfState } from "../../../src/raft/types.js";
import type { WalBugs } from "../../../src/raft/wal/wal.js";
import { KvMachine } from "./kv.js";
import type { SimNetwork } from "./network.js";
import type { Rng } from "./rng.js";
import type { Scheduler } from "./scheduler.js";
import { SimDisk, SimStorage, type DiskTiming } from "./sim-disk.js";

export const TICK_MS = 10;
export const GROUP = "sim";

export interface NodeHooks {
  /** Every event on this node ran (invariant checks). */
  after(node: SimNode): void;
  /** An exception escaped the node (a failed assertion is a bug). */
  crashed(node: SimNode, err: unknown): void;
  newId(node: SimNode): number;
  kv(node: SimNode): KvMachine;
}

export interface NodeConfig {
  raftBugs: RaftBugs;
  walBugs: WalBugs;
  maxInflight: number;
  maxBatchEntries: number;
}

export class SimNode {
  readonly slot: number;
  id = 0;
  /** The id to take when the log is created (the initial members); 0 for a fresh one. */
  bootId = 0;
  up = false;
  paused = false;
  incarnation = 0;
  storage = new SimStorage();
  disk: SimDisk | null = null;
  driver: RaftDriver | null = null;
  kv = new KvMachine();
  timing: DiskTiming = { slow: 1, stallUntil: 0 };
  /** Ticks to skip (a clock that jumped back) and extra ticks to run (one that jumped ahead). */
  clockHold = 0;
  /** Ticker period multiplier (a clock running slow, or a starved VM). */
  clockRate = 1;
  held: (() => void)[] = [];
  lastApplied = 0;
  /** Damaged storage not yet seen healthy again (counts against the fault budget). */
  damaged = false;
  private readonly sched: Scheduler;
  private readonly net: SimNetwork;
  private readonly rng: Rng;
  private readonly hooks: NodeHooks;
  private readonly cfg: NodeConfig;

  constructor(slot: number, sched: Scheduler, net: SimNetwork, rng: Rng, hooks: NodeHooks, cfg: NodeConfig) {
    this.slot = slot;
    this.sched = sched;
    this.net = net;
    this.rng = rng;
    this.hooks = hooks;
    this.cfg = cfg;
  }

  /** Runs `fn` as this node's process would: not at all when crashed, later when paused. */
  run(inc: number, fn: () => void): void {
    if (inc !== this.incarnation || !this.up) return;
    if (this.paused) {
      this.held.push(fn);
      return;
    }
    try {
      fn();
    } catch (err) {
      this.hooks.crashed(this, err);
      return;
    }
    this.hooks.after(this);
  }

  start(bootstrap: ConfState | null): void {
    this.incarnation++;
    const inc = this.incarnation;
    this.up = true;
    this.paused = false;
    this.held = [];
    const runner = (fn: () => void) => this.run(inc, fn);
    this.disk = new SimDisk(this.storage, this.sched, this.rng, this.timing, runner);
    this.kv = this.hooks.kv(this);
    this.lastApplied = 0;
    const env: Env = {
      defer: (fn) => this.sched.after(0, () => runner(fn)),
      every: (ms, fn) => {
        let live = true;
        const loop = () => {
          if (!live || inc !== this.incarnation) return;
          if (this.clockHold > 0) {
            this.clockHold--;
          } else runner(fn);
          this.sched.after(ms * this.clockRate, loop);
        };
        this.sched.after(ms * (0.5 + this.rng.float()), loop);
        return () => {
          live = false;
        };
      },
    };
    const transport = this.net.transport();
    try {
      this.driver = new RaftDriver({
        raft: {
          electionTicks: 10,
          heartbeatTicks: 2,
          random: () => this.rng.float(),
          maxInflight: this.cfg.maxInflight,
          maxBatchEntries: this.cfg.maxBatchEntries,
          bugs: this.cfg.raftBugs,
        },
        group: GROUP,
        disk: this.disk,
        wal: { segmentBytes: 2048, bugs: this.cfg.walBugs },
        transport: {
          send: (m) => transport.send(m),
          listen: (g, id, h) => transport.listen(g, id, (m) => runner(() => h(m))),
        },
        stateMachine: this.kv,
        env,
        tickMs: TICK_MS,
        snapshotEntries: 40,
        newId: () => this.hooks.newId(this),
        bootstrap,
        onFatal: () => undefined,
      });
    } catch (err) {
      this.hooks.crashed(this, err);
      return;
    }
    this.id = this.driver.id;
    this.driver.start();
  }

  /** A process crash: in-flight disk operations never complete; the page cache survives. */
  crash(): void {
    if (!this.up) return;
    this.up = false;
    this.paused = false;
    this.held = [];
    if (this.disk) this.disk.alive = false;
    const d = this.driver;
    this.driver = null;
    this.incarnation++;
    d?.stop();
  }

  pause(): void {
    if (this.up) this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const held = this.held;
    this.held = [];
    const inc = this.incarnation;
    for (const fn of held) this.sched.after(0, () => this.run(inc, fn));
  }

  /** Runs `n` ticks at once (the clock jumped ahead). */
  jumpAhead(n: number): void {
    const d = this.driver;
    if (!d) return;
    const inc = this.incarnation;
    for (let i = 0; i < n; i++) this.run(inc, () => d.tick());
  }
}

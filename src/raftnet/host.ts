/**
 * Raft groups hosted by one server: one NATS transport (over the server's internal
 * subscriptions, so across routes) shared by every group, each group a RaftDriver with its log
 * in its own directory. Replicated JetStream will open its stream, consumer and meta groups
 * here; today the test-only KV service does (src/testkit/raft-kv-server.ts).
 */
import { randomInt } from "node:crypto";
import * as fs from "node:fs";
import { RaftDriver, type StateMachine } from "../raft/driver.js";
import { NatsTransport } from "../raft/transport.js";
import type { ConfState } from "../raft/types.js";
import { FsDisk } from "../raft/wal/disk.js";
import type { Server } from "../server/server.js";
import { ServerBus } from "./bus.js";

export interface RaftGroupOptions {
  /** A subject token: the group's name on every member. */
  group: string;
  /** This member's log directory (created if missing). */
  dir: string;
  /** The member id to take when the directory is empty (ids are never reused). */
  id: number;
  /** The initial voters when this member creates the group; null to wait to be added. */
  bootstrap: ConfState | null;
  stateMachine: StateMachine;
  /** Driver tick; elections time out after 10 to 20 ticks, heartbeats every 2. */
  tickMs?: number;
  /** "lazy" skips the fsync before each acknowledgement (docs/raft.md says what that risks). */
  sync?: "always" | "lazy";
  snapshotEntries?: number;
}

/**
 * Raft messages ride as NATS messages: an append batch stays well under the default
 * max_payload (1 MB) so a route never refuses it.
 */
const MAX_BATCH_BYTES = 256 * 1024;
/** Ids given to a member whose identity was lost: random, so never one the group knew. */
const MAX_MEMBER_ID = 2 ** 47;

export class RaftHost {
  readonly transport: NatsTransport;
  private readonly server: Server;
  private readonly groups = new Map<string, RaftDriver>();

  constructor(server: Server) {
    this.server = server;
    this.transport = new NatsTransport(new ServerBus(server), (err) =>
      server.logger.warn(`Raft: dropped an undecodable message: ${err.message}`),
    );
    server.onClose(() => this.stop());
  }

  /** Opens (recovering) or creates a group member and starts it. */
  open(o: RaftGroupOptions): RaftDriver {
    if (this.groups.has(o.group)) throw new Error(`raft group "${o.group}" is already open`);
    const fresh = !fs.existsSync(o.dir) || fs.readdirSync(o.dir).length === 0;
    const tickMs = o.tickMs ?? 50;
    const driver = new RaftDriver({
      raft: { random: Math.random, electionTicks: 10, heartbeatTicks: 2, maxBatchBytes: MAX_BATCH_BYTES },
      group: o.group,
      disk: new FsDisk(o.dir),
      wal: { sync: o.sync ?? "always" },
      transport: this.transport,
      stateMachine: o.stateMachine,
      tickMs,
      snapshotEntries: o.snapshotEntries,
      newId: () => (fresh ? o.id : randomInt(1, MAX_MEMBER_ID)),
      bootstrap: o.bootstrap,
      onFatal: (err) => this.server.logger.error(`Raft group "${o.group}" stopped: storage failed: ${err.message}`),
      onCaughtUp: () => this.server.logger.notice(`Raft group "${o.group}": caught up with the leader, voting again`),
    });
    const r = driver.recovery;
    const log = this.server.logger;
    log.notice(`Raft group "${o.group}": member ${driver.id}, log ${r.status}, ${r.entries.length} entries after the snapshot`);
    for (const p of r.problems) log.warn(`Raft group "${o.group}": ${p}`);
    if (driver.node.recovering) log.warn(`Raft group "${o.group}": log damaged, not voting until caught up with a leader`);
    this.groups.set(o.group, driver);
    driver.start();
    return driver;
  }

  get(group: string): RaftDriver | undefined {
    return this.groups.get(group);
  }

  /** Stops every group; durable state stays (the server is shutting down). */
  stop(): void {
    for (const d of this.groups.values()) {
      d.stop();
      d.wal.close();
    }
    this.groups.clear();
  }
}


/**
 * Mirrors and sources of a stream (nats-server stream.go setupMirrorConsumer,
 * setupSourceConsumer). Placeholder until the upstream consumers are built: reports no
 * mirror or source state.
 */
import type { Stream } from "./stream.js";
import type { StreamConfig, StreamSourceInfo } from "./types.js";

export class SourceManager {
  constructor(private readonly stream: Stream) {}

  start(): void {}

  update(_old: StreamConfig): void {}

  stop(): void {}

  mirrorInfo(): StreamSourceInfo | null {
    const m = this.stream.cfg.mirror;
    return m === undefined ? null : { name: m.name, lag: 0, active: -1 };
  }

  sourcesInfo(): StreamSourceInfo[] {
    return (this.stream.cfg.sources ?? []).map((s) => ({ name: s.name, lag: 0, active: -1 }));
  }
}

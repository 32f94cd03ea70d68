/**
 * Process CPU and memory for /varz `cpu` and `mem`. nats-server reads them from the OS
 * (pse); Node gives us `process.cpuUsage()` and `rss`. CPU is a percentage of one core
 * averaged since the previous sample, as `ps -o pcpu` reports it.
 */
import os from "node:os";

/** Samples CPU use between calls to {@link UsageSampler.sample}. */
export class UsageSampler {
  /** Percent of one core used between the last two samples (can exceed 100 on many cores). */
  cpuPercent = 0;
  private lastCpu = process.cpuUsage();
  private lastWallNs = process.hrtime.bigint();

  /** Updates {@link cpuPercent}; the sampler calls this once a second. */
  sample(): void {
    const now = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const wallUs = Number(now - this.lastWallNs) / 1000;
    if (wallUs > 0) {
      const usedUs = cpu.user - this.lastCpu.user + (cpu.system - this.lastCpu.system);
      this.cpuPercent = Math.round((usedUs / wallUs) * 1000) / 10;
    }
    this.lastCpu = cpu;
    this.lastWallNs = now;
  }
}

/** Resident set size in bytes (nats-server `mem`). */
export function residentBytes(): number {
  return process.memoryUsage.rss();
}

/** Usable cores (nats-server `cores` and `gomaxprocs`). */
export function coreCount(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

/**
 * Every process a bench starts (servers in sessions of their own, load clients) is
 * registered here and killed on every way out of the bench: normal exit, a thrown error
 * and SIGINT/SIGTERM/SIGHUP. A server spawned detached (setsid) is in its own process
 * group, so a Ctrl-C to the bench's group never reaches it: without this it would keep
 * running, holding its port and a share of the CPU, after the bench died.
 */
import type { ChildProcess } from "node:child_process";
import { constants } from "node:os";

const live = new Set<ChildProcess>();
let installed = false;

/** Registers `child` to be killed if the bench exits first; returns it. */
export function track<C extends ChildProcess>(child: C): C {
  install();
  live.add(child);
  const forget = (): void => {
    live.delete(child);
  };
  child.once("exit", forget);
  child.once("error", forget);
  return child;
}

/** SIGKILLs every registered process still running (its whole group when it leads one). */
export function killTracked(): void {
  for (const c of live) {
    const pid = c.pid;
    if (pid === undefined) continue;
    try {
      // A detached child leads its own group: take anything it started with it.
      process.kill(-pid, "SIGKILL");
    } catch {
      c.kill("SIGKILL");
    }
  }
  live.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  // Also runs after an uncaught exception or an unhandled rejection.
  process.once("exit", killTracked);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      process.stderr.write(`bench: ${sig}, stopping ${live.size} process(es)\n`);
      killTracked();
      process.exit(128 + constants.signals[sig]);
    });
  }
}

/**
 * The JetStream work queue runs kicked targets on a following turn and calls its
 * `afterDrain` at the end of every turn that ran some (the server flushes there, so a
 * pull consumer's deliveries do not wait one more loop iteration).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setImmediate as turn } from "node:timers/promises";
import { WorkQueue, type WorkTarget } from "../../src/jetstream/scheduler.js";

test("afterDrain runs once per turn, after the targets of that turn", async () => {
  const log: string[] = [];
  const q = new WorkQueue(() => log.push("drained"));
  let left = 2;
  const t: WorkTarget = {
    workQueued: false,
    runWork: () => {
      log.push("work");
      return --left > 0; // more on the next turn
    },
  };
  q.kick(t);
  q.kick(t); // once however often kicked
  assert.deepEqual(log, []);
  await turn();
  assert.deepEqual(log, ["work", "drained"]);
  await turn();
  assert.deepEqual(log, ["work", "drained", "work", "drained"]);
  await turn();
  assert.deepEqual(log, ["work", "drained", "work", "drained"], "nothing queued, nothing run");
});

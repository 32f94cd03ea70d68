/**
 * The writer of the crash loop (file-crash.test.ts), run as a child process and killed with
 * SIGKILL at a random moment. It appends batches under `syncAlways` and reports on stdout
 * only what the store declared durable:
 *   A <seq>                         every message up to seq is durable
 *   C <dseq> <sseq> <ackFloorSeq>   the consumer state up to this point is durable
 * Payloads are "<round>:<seq>:<n>", so the parent can check order and that nothing repeats.
 * Usage: node crash-child.js <dir> <seed> <round>
 */
import { defaultStreamStoreConfig, FileStore } from "../../../src/jetstream/store/index.js";
import { prng } from "../../helpers/prng.js";

async function main(): Promise<void> {
  const [dir, seedArg, roundArg] = process.argv.slice(2);
  const seed = Number(seedArg);
  const round = Number(roundArg);
  const r = prng(seed * 1000 + round);
  const store = await FileStore.open(defaultStreamStoreConfig({ name: "C", subjects: ["s.>"] }),
    { dir: dir!, syncAlways: true, blockSize: 64 * 1024 });
  const cs = store.consumerStore("c1", { ackPolicy: "explicit", maxDeliver: 0 });
  const st = cs.state();
  let dseq = st.delivered.consumer;
  let nextStream = st.delivered.stream + 1;
  let n = 0;
  process.stdout.write("READY\n");
  for (;;) {
    const batch = 1 + Math.floor(r() * 300);
    let last = 0;
    for (let i = 0; i < batch; i++) {
      const seq = store.state().lastSeq + 1;
      const size = Math.floor(r() * 300);
      last = store.storeMsg(`s.${seq % 10}`, null, Buffer.from(`${round}:${seq}:${n++}:`.padEnd(size, "p")), 0);
    }
    await store.waitDurable(last);
    process.stdout.write(`A ${last}\n`);
    // Deliver what is durable to the consumer, ack about half of it.
    for (; nextStream <= last; nextStream++) {
      cs.updateDelivered(++dseq, nextStream, 1, Date.now());
      if (r() < 0.5) cs.updateAcks(dseq, nextStream);
    }
    await cs.waitDurable();
    const c = cs.state();
    process.stdout.write(`C ${c.delivered.consumer} ${c.delivered.stream} ${c.ackFloor.stream}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`crash-child: ${String(err)}\n`);
  process.exit(1);
});

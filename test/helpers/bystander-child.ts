/**
 * The bystander probe as a child process (see startBystanderProcess in bystander.ts):
 * argv is the server URL and the options as JSON; it sends "ready" once probing, and
 * answers a "stop" message with the statistics, then exits.
 */
import { startBystander, type BystanderOptions } from "./bystander.js";

const [url, optsJson] = process.argv.slice(2);
const by = await startBystander(url ?? "", JSON.parse(optsJson ?? "{}") as BystanderOptions);
process.send?.("ready");
process.on("message", (m) => {
  if (m !== "stop") return;
  void by.stop().then((stats) => process.send?.(stats, () => process.exit(0)));
});

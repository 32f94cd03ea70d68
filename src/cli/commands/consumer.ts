/**
 * `tsnats consumer ls|info STREAM [NAME]`: a stream's consumers, printed in the shape of
 * the Go `nats consumer` command.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { CONNECTION_HELP, connectWith, out, parse, runCommand, UsageError, type Flags } from "./common.js";
import { ago, goDuration, jsApi, listAll, section, title, when, type Json } from "./js-api.js";
import { comma, renderTable } from "./table.js";

export const CONSUMER_HELP = `Usage: tsnats consumer <command> STREAM [NAME] [options]

  ls STREAM            list the consumers of a stream
  info STREAM NAME     a consumer's configuration and state

Options:
      --json             print the API's JSON instead of the text
${CONNECTION_HELP}`;

export async function run(argv: string[]): Promise<number> {
  return runCommand("consumer", CONSUMER_HELP, async () => {
    const { flags, args } = parse(argv, { json: { type: "boolean" } });
    if (flags.help) {
      process.stdout.write(CONSUMER_HELP);
      return 0;
    }
    const [verb, stream, name, ...extra] = args;
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    if (verb !== "ls" && verb !== "info") throw new UsageError(verb === undefined ? "missing command: ls or info" : `unknown command '${verb}'`);
    if (stream === undefined) throw new UsageError(`${verb} needs a STREAM`);
    if (verb === "info" && name === undefined) throw new UsageError("info needs a consumer NAME");
    if (verb === "ls" && name !== undefined) throw new UsageError(`unexpected argument '${name}'`);
    const nc = await connectWith(flags, "tsnats consumer");
    try {
      if (verb === "ls") return await ls(nc, stream, flags);
      const info = await jsApi(nc, `CONSUMER.INFO.${stream}.${name}`);
      if (flags.json) out(JSON.stringify(info, null, 2));
      else for (const line of infoPage(info)) out(line);
      return 0;
    } finally {
      await nc.close();
    }
  });
}

async function ls(nc: NatsConnection, stream: string, flags: Flags): Promise<number> {
  const consumers = await listAll(nc, `CONSUMER.LIST.${stream}`, "consumers");
  if (flags.json) {
    out(JSON.stringify(consumers, null, 2));
    return 0;
  }
  if (consumers.length === 0) {
    out(`No Consumers defined for stream ${stream}`);
    return 0;
  }
  const rows = consumers.map((c) => [
    c.name,
    c.config.description ?? "",
    when(c.created),
    comma(c.num_ack_pending),
    comma(c.num_pending),
    ago(c.delivered.last_active),
  ]);
  process.stdout.write(renderTable(["Name", "Description", "Created", "Ack Pending", "Unprocessed", "Last Delivery"], rows, { title: "Consumers", right: [3, 4, 5] }));
  return 0;
}

/** The "Information for Consumer ..." page of `nats consumer info`. */
export function infoPage(info: Json): string[] {
  const c = info.config;
  const pull = !c.deliver_subject;
  const lines = [`Information for Consumer ${info.stream_name} > ${info.name} created ${when(info.created)}`, "", "Configuration:", ""];
  const filters = c.filter_subject ? [c.filter_subject] : (c.filter_subjects ?? []);
  lines.push(
    ...section([
      ["Name", info.name],
      ["Durable Name", c.durable_name],
      ["Description", c.description],
      [pull ? "Pull Mode" : "Delivery Subject", pull ? "true" : c.deliver_subject],
      ["Deliver Queue Group", c.deliver_group],
      ["Filter Subject", filters.length > 0 ? filters.join(", ") : undefined],
      ["Deliver Policy", c.deliver_policy === "by_start_sequence" ? `From Sequence ${c.opt_start_seq}` : title(c.deliver_policy.replace(/_/g, " "))],
      ["Ack Policy", title(c.ack_policy)],
      ["Ack Wait", c.ack_wait ? goDuration(c.ack_wait) : undefined],
      ["Replay Policy", title(c.replay_policy)],
      ["Maximum Deliveries", c.max_deliver > 0 ? comma(c.max_deliver) : undefined],
      ["Max Ack Pending", c.max_ack_pending ? comma(c.max_ack_pending) : undefined],
      ["Max Waiting Pulls", pull && c.max_waiting ? comma(c.max_waiting) : undefined],
      ["Idle Heartbeat", c.idle_heartbeat ? goDuration(c.idle_heartbeat) : undefined],
      ["Flow Control", c.flow_control ? "true" : undefined],
      ["Inactive Threshold", c.inactive_threshold ? goDuration(c.inactive_threshold) : undefined],
    ]),
  );
  lines.push("", "State:", "");
  const max = c.max_ack_pending ? ` out of maximum ${comma(c.max_ack_pending)}` : "";
  lines.push(
    ...section([
      ["Last Delivered Message", `Consumer sequence: ${comma(info.delivered.consumer_seq)} Stream sequence: ${comma(info.delivered.stream_seq)}`],
      ["Acknowledgment Floor", `Consumer sequence: ${comma(info.ack_floor.consumer_seq)} Stream sequence: ${comma(info.ack_floor.stream_seq)}`],
      ["Outstanding Acks", `${comma(info.num_ack_pending)}${max}`],
      ["Redelivered Messages", comma(info.num_redelivered)],
      ["Unprocessed Messages", comma(info.num_pending)],
      ["Waiting Pulls", pull ? `${comma(info.num_waiting)} of maximum ${comma(c.max_waiting ?? 0)}` : undefined],
      ["Active Interest", pull ? undefined : info.push_bound ? "Active" : "No interest"],
    ]),
  );
  return lines;
}

/**
 * `tsnats stream ls|info|add|rm`: JetStream streams from a terminal, printed in the shape
 * of the Go `nats stream` command (a table for ls, "Information for Stream ..." pages).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { CONNECTION_HELP, connectWith, durationMs, int, out, parse, runCommand, str, UsageError, type Flags } from "./common.js";
import { ago, bytes, goDuration, jsApi, limit, listAll, section, title, when, type Json } from "./js-api.js";
import { comma, renderTable } from "./table.js";

export const STREAM_HELP = `Usage: tsnats stream <command> [options]

  ls                   list the streams (name, messages, size, last message)
  info NAME            a stream's configuration and state
  add NAME             create a stream (options below)
  rm NAME -f           delete a stream and all its messages

Options for add:
      --subjects LIST          subjects the stream captures, comma separated (default NAME)
      --storage file|memory    where messages are kept (default file)
      --retention limits|interest|work  when messages are removed (default limits)
      --discard old|new        what happens at a limit (default old)
      --max-msgs N  --max-bytes N  --max-age DURATION  --max-msg-size N
      --max-msgs-per-subject N --dupe-window DURATION  --description TEXT
      --allow-rollup --deny-delete --deny-purge --allow-direct
Other options:
      --json                   print the API's JSON instead of the text page
  -f, --force                  do not ask (rm)
${CONNECTION_HELP}`;

export async function run(argv: string[]): Promise<number> {
  return runCommand("stream", STREAM_HELP, async () => {
    const { flags, args } = parse(argv, {
      json: { type: "boolean" },
      force: { type: "boolean", short: "f" },
      subjects: { type: "string" },
      storage: { type: "string" },
      retention: { type: "string" },
      discard: { type: "string" },
      "max-msgs": { type: "string" },
      "max-bytes": { type: "string" },
      "max-age": { type: "string" },
      "max-msg-size": { type: "string" },
      "max-msgs-per-subject": { type: "string" },
      "dupe-window": { type: "string" },
      description: { type: "string" },
      "allow-rollup": { type: "boolean" },
      "deny-delete": { type: "boolean" },
      "deny-purge": { type: "boolean" },
      "allow-direct": { type: "boolean" },
    });
    if (flags.help) {
      process.stdout.write(STREAM_HELP);
      return 0;
    }
    const [verb, name, ...extra] = args;
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    if (verb !== "ls" && verb !== "info" && verb !== "add" && verb !== "rm") {
      throw new UsageError(verb === undefined ? "missing command: ls, info, add or rm" : `unknown command '${verb}'`);
    }
    if (verb !== "ls" && name === undefined) throw new UsageError(`${verb} needs a stream NAME`);
    if (verb === "rm" && flags.force !== true) throw new UsageError(`rm deletes every message of '${name}': add -f to confirm`);
    const config = verb === "add" ? streamConfig(name!, flags) : null;
    const nc = await connectWith(flags, "tsnats stream");
    try {
      switch (verb) {
        case "ls":
          return await ls(nc, flags);
        case "info":
          return show(await jsApi(nc, `STREAM.INFO.${name}`), flags);
        case "add":
          return show(await jsApi(nc, `STREAM.CREATE.${name}`, config), flags, `Stream ${name} was created\n`);
        case "rm":
          await jsApi(nc, `STREAM.DELETE.${name}`);
          out(`Deleted stream ${name}`);
          return 0;
      }
    } finally {
      await nc.close();
    }
  });
}

/** A StreamConfig from the add flags (nats-server fills in the rest). */
export function streamConfig(name: string, flags: Flags): Json {
  const cfg: Json = { name };
  const subjects = str(flags, "subjects");
  if (subjects !== undefined) cfg.subjects = subjects.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const pick = (flag: string, allowed: string[], map: Record<string, string> = {}): string | undefined => {
    const v = str(flags, flag);
    if (v === undefined) return undefined;
    const mapped = map[v] ?? v;
    if (!allowed.includes(mapped)) throw new UsageError(`--${flag} must be one of ${allowed.join(", ")}, got '${v}'`);
    return mapped;
  };
  cfg.storage = pick("storage", ["file", "memory"]) ?? "file";
  cfg.retention = pick("retention", ["limits", "interest", "workqueue"], { work: "workqueue" }) ?? "limits";
  cfg.discard = pick("discard", ["old", "new"]) ?? "old";
  const nums: Array<[string, string]> = [
    ["max-msgs", "max_msgs"],
    ["max-bytes", "max_bytes"],
    ["max-msg-size", "max_msg_size"],
    ["max-msgs-per-subject", "max_msgs_per_subject"],
  ];
  for (const [flag, key] of nums) if (str(flags, flag) !== undefined) cfg[key] = int(flags, flag, 0);
  if (str(flags, "max-age") !== undefined) cfg.max_age = durationMs(flags, "max-age", 0) * 1e6;
  if (str(flags, "dupe-window") !== undefined) cfg.duplicate_window = durationMs(flags, "dupe-window", 0) * 1e6;
  const desc = str(flags, "description");
  if (desc !== undefined) cfg.description = desc;
  if (flags["allow-rollup"] === true) cfg.allow_rollup_hdrs = true;
  if (flags["deny-delete"] === true) cfg.deny_delete = true;
  if (flags["deny-purge"] === true) cfg.deny_purge = true;
  if (flags["allow-direct"] === true) cfg.allow_direct = true;
  return cfg;
}

async function ls(nc: NatsConnection, flags: Flags): Promise<number> {
  const streams = await listAll(nc, "STREAM.LIST", "streams");
  if (flags.json) {
    out(JSON.stringify(streams, null, 2));
    return 0;
  }
  if (streams.length === 0) {
    out("No Streams defined");
    return 0;
  }
  const rows = streams.map((s) => [
    s.config.name,
    s.config.description ?? "",
    when(s.created),
    comma(s.state.messages),
    bytes(s.state.bytes),
    ago(s.state.last_ts),
  ]);
  process.stdout.write(renderTable(["Name", "Description", "Created", "Messages", "Size", "Last Message"], rows, { title: "Streams", right: [3, 4, 5] }));
  return 0;
}

function show(info: Json, flags: Flags, heading = ""): number {
  if (flags.json) {
    out(JSON.stringify(info, null, 2));
    return 0;
  }
  if (heading !== "") out(heading.trimEnd());
  for (const line of infoPage(info)) out(line);
  return 0;
}

/** The "Information for Stream ..." page of `nats stream info`. */
export function infoPage(info: Json): string[] {
  const c = info.config;
  const s = info.state;
  const lines = [`Information for Stream ${c.name} created ${when(info.created)}`, ""];
  lines.push(
    ...section([
      ["Description", c.description],
      ["Subjects", (c.subjects ?? []).join(", ") || undefined],
      ["Replicas", String(c.num_replicas)],
      ["Storage", title(c.storage)],
      ["Mirror", c.mirror?.name],
      ["Sources", (c.sources ?? []).map((x: Json) => x.name).join(", ") || undefined],
    ]),
  );
  lines.push("", "Options:", "");
  lines.push(
    ...section([
      ["Retention", c.retention === "workqueue" ? "WorkQueue" : title(c.retention)],
      ["Acknowledgments", String(c.no_ack !== true)],
      ["Discard Policy", title(c.discard)],
      ["Duplicate Window", goDuration(c.duplicate_window ?? 0)],
      ["Direct Get", String(c.allow_direct)],
      ["Allows Msg Delete", String(!c.deny_delete)],
      ["Allows Purge", String(!c.deny_purge)],
      ["Allows Rollups", String(c.allow_rollup_hdrs)],
      ["Sealed", c.sealed ? "true" : undefined],
    ]),
  );
  lines.push("", "Limits:", "");
  lines.push(
    ...section([
      ["Maximum Messages", limit(c.max_msgs, comma)],
      ["Maximum Per Subject", limit(c.max_msgs_per_subject, comma)],
      ["Maximum Bytes", limit(c.max_bytes, bytes)],
      ["Maximum Age", limit(c.max_age, goDuration)],
      ["Maximum Message Size", limit(c.max_msg_size, bytes)],
      ["Maximum Consumers", limit(c.max_consumers, comma)],
    ]),
  );
  lines.push("", "State:", "");
  lines.push(
    ...section([
      ["Messages", comma(s.messages)],
      ["Bytes", bytes(s.bytes)],
      ["First Sequence", `${comma(s.first_seq)} @ ${when(s.first_ts)} UTC`],
      ["Last Sequence", `${comma(s.last_seq)} @ ${when(s.last_ts)} UTC`],
      ["Deleted Messages", s.num_deleted ? comma(s.num_deleted) : undefined],
      ["Active Consumers", comma(s.consumer_count)],
      ["Number of Subjects", s.num_subjects ? comma(s.num_subjects) : undefined],
    ]),
  );
  if (info.state.lost) lines.push("", `Lost Messages: ${comma(info.state.lost.msgs?.length ?? 0)} (${bytes(info.state.lost.bytes ?? 0)})`);
  return lines;
}

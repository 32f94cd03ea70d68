/**
 * Bad input on a server-to-server port (route, gateway), to compare tsnats with nats-server:
 * send some lines to a fresh connection, then PING, and report the `-ERR` lines and
 * whether the server closed the connection.
 */
import net from "node:net";

export interface Outcome {
  errs: string[];
  closed: boolean;
}

/** Sends `lines` ($ID is the server's own ID, from its INFO), then PING; bounded by a deadline. */
export async function probe(port: number, lines: string[], timeoutMs = 4000): Promise<Outcome> {
  const s = net.connect(port, "127.0.0.1");
  let data = "";
  let closed = false;
  s.on("data", (d: Buffer) => (data += d.toString("latin1")));
  s.on("close", () => (closed = true));
  s.on("error", () => {});
  await new Promise((r) => s.once("connect", r));
  const deadline = Date.now() + timeoutMs;
  while (!data.includes("\r\n") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const id = /"server_id":"([^"]+)"/.exec(data)?.[1] ?? "";
  for (const l of [...lines, "PING\r\n"]) {
    if (!closed) s.write(l.replaceAll("$ID", id));
    await new Promise((r) => setTimeout(r, 20));
  }
  while (!closed && !/PONG\r\n/.test(data) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  s.destroy();
  return { errs: data.split("\r\n").filter((l) => l.startsWith("-ERR")), closed };
}

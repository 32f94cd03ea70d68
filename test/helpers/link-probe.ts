/**
 * One bad-input exchange with a server link port (route, leafnode, gateway) as the wire tests
 * run it against both tsnats and nats-server: wait for the INFO, send `lines` (`$ID` is
 * replaced by the server's own ID from its INFO) and a PING, 20 ms apart, then report
 * the `-ERR` lines and whether the server closed the connection.
 */
import net from "node:net";

export interface LinkOutcome {
  errs: string[];
  closed: boolean;
}

export async function probeLinkPort(port: number, lines: string[]): Promise<LinkOutcome> {
  const s = net.connect(port, "127.0.0.1");
  let data = "";
  let closed = false;
  s.on("data", (d: Buffer) => (data += d.toString("latin1")));
  s.on("close", () => (closed = true));
  s.on("error", () => {});
  await new Promise((r) => s.once("connect", r));
  const deadline = Date.now() + 3000;
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

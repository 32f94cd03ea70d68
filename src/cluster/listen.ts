/**
 * The listener every server-to-server port uses (routes, leaf nodes, gateways): bound before
 * the server says it is ready, so a bad port fails start-up; later errors are logged only.
 */
import * as net from "node:net";
import type { ServerLogger } from "../server/logger.js";

/** Listens on `host:port` (-1: any free port) and hands each accepted socket to `accept`. */
export async function listenForLinks(host: string, port: number, what: string, logger: ServerLogger, accept: (socket: net.Socket) => void): Promise<net.Server> {
  const l = net.createServer({ noDelay: true });
  l.on("connection", accept);
  await new Promise<void>((resolve, reject) => {
    l.once("error", reject);
    l.listen({ port: port === -1 ? 0 : port, host }, () => {
      l.off("error", reject);
      resolve();
    });
  });
  l.on("error", (err) => logger.error(`${what} listener error: ${err.message}`));
  return l;
}

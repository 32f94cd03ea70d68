/**
 * Shared set-up for JetStream tests: a tsnats server with JetStream in a fresh store
 * directory, and a connection with the official clients.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type ConnectionOptions, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { startServer, type NatsServer, type StartServerOptions } from "../../src/index.js";

export interface JsEnv {
  server: NatsServer;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  storeDir: string;
  close(): Promise<void>;
}

/** Starts tsnats with JetStream (store dir in a temp folder) and connects a client. */
export async function startJs(opts: StartServerOptions = {}, client: Partial<ConnectionOptions> = {}): Promise<JsEnv> {
  const storeDir = mkdtempSync(join(tmpdir(), "tsnats-js-"));
  const server = await startServer({ port: -1, host: "127.0.0.1", jetstream: true, storeDir, ...opts });
  const nc = await connect({ servers: server.clientURL, ...client });
  const jsm = await jetstreamManager(nc);
  return {
    server,
    nc,
    js: jetstream(nc),
    jsm,
    storeDir,
    async close() {
      await nc.close().catch(() => {});
      await server.close();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

/** Connects another client to the same server. */
export function connectTo(env: JsEnv): Promise<NatsConnection> {
  return connect({ servers: env.server.clientURL });
}

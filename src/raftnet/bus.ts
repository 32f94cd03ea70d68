/**
 * The server's internal subscriptions as the Raft transport's bus: Raft messages are NATS
 * messages on `$TSRAFT.<group>.<member id>` in the system account, so they cross cluster routes
 * like any other interest (nats-server carries its `$NRG.>` traffic the same way).
 */
import type { Account } from "../accounts/account.js";
import type { InternalBus } from "../raft/transport.js";
import type { Server } from "../server/server.js";

export class ServerBus implements InternalBus {
  private readonly server: Server;
  private readonly account: Account;

  constructor(server: Server, account: Account = server.systemAccount) {
    this.server = server;
    this.account = account;
  }

  subscribe(subject: string, cb: (data: Buffer) => void): () => void {
    const sub = this.server.subscribeInternal(this.account, subject, (_subject, _reply, hdr, data) => {
      // Raft messages carry no headers: anything else on the subject is not ours.
      if (hdr < 0) cb(data);
    });
    return () => this.server.unsubscribeInternal(sub);
  }

  publish(subject: string, data: Buffer): void {
    const payload = Buffer.allocUnsafe(data.length + 2);
    data.copy(payload, 0);
    payload[data.length] = 13;
    payload[data.length + 1] = 10;
    this.server.publishInternal(this.account, subject, "", payload, -1);
  }
}

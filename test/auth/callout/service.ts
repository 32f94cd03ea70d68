/**
 * A test auth callout service, written as a user would: the official client subscribes to
 * `$SYS.REQ.USER.AUTH`, decodes (and, with an xkey, opens) the server's authorization
 * request with @nats-io/jwt / @nats-io/nkeys, and answers with an authorization response
 * signed by the issuer account key. `decide` picks the answer per request.
 */
import { decode, encodeAuthorizationResponse, encodeUser, type AuthorizationRequest, type KeyPair, type User } from "@nats-io/jwt";
import { connect, type ConnectionOptions, type Msg, type NatsConnection } from "@nats-io/transport-node";
import type { KeyPair as CurveKeyPair } from "@nats-io/nkeys";

/** What the service answers to one request. */
export type Decision =
  | { allow: { account: string; name?: string; user?: Partial<User>; exp?: number; signer?: KeyPair } }
  | { error: string }
  | { raw: (req: AuthorizationRequest, userNkey: string, serverId: string) => Promise<Uint8Array> | Uint8Array }
  | { silent: true };

export interface SeenRequest {
  req: AuthorizationRequest;
  claims: Record<string, unknown>;
  xkeyHeader: string | undefined;
  reply: string;
}

export interface CalloutService {
  nc: NatsConnection;
  seen: SeenRequest[];
  close(): Promise<void>;
}

export interface ServiceOptions {
  port: number;
  /** How the service logs in (an `auth_users` entry). */
  login: Partial<ConnectionOptions>;
  issuer: KeyPair;
  /** The service's curve key: requests arrive sealed to it. */
  xkp?: CurveKeyPair;
  /** Seal responses to the server's xkey too. */
  sealResponses?: boolean;
  decide: (req: AuthorizationRequest) => Decision;
}

export async function startCalloutService(o: ServiceOptions): Promise<CalloutService> {
  const nc = await connect({ port: o.port, ...o.login });
  const seen: SeenRequest[] = [];
  const sub = nc.subscribe("$SYS.REQ.USER.AUTH", {
    callback: (err, m) => {
      if (err !== null) return;
      void answer(m).catch((e: unknown) => console.error("callout service:", e));
    },
  });
  const answer = async (m: Msg): Promise<void> => {
    let data = m.data;
    const xkeyHeader = m.headers?.get("Nats-Server-Xkey") || undefined;
    if (o.xkp !== undefined && xkeyHeader !== undefined) {
      const opened = o.xkp.open(data, xkeyHeader);
      if (opened === null) throw new Error("could not open the request");
      data = opened;
    }
    const token = Buffer.from(data).toString();
    const claims = decode<AuthorizationRequest>(token) as unknown as Record<string, unknown> & { nats: AuthorizationRequest };
    const req = claims.nats;
    seen.push({ req, claims, xkeyHeader, reply: m.reply ?? "" });
    const d = o.decide(req);
    if ("silent" in d) return;
    const serverId = req.server_id.id;
    let out: Uint8Array;
    if ("raw" in d) out = await d.raw(req, req.user_nkey, serverId);
    else if ("error" in d) out = Buffer.from(await encodeAuthorizationResponse(req.user_nkey, serverId, o.issuer, { error: d.error }, {}));
    else {
      const a = d.allow;
      const opts: Record<string, unknown> = { aud: a.account };
      if (a.exp !== undefined) opts.exp = a.exp;
      const ujwt = await encodeUser(a.name ?? "", req.user_nkey, a.signer ?? o.issuer, a.user ?? {}, opts);
      out = Buffer.from(await encodeAuthorizationResponse(req.user_nkey, serverId, o.issuer, { jwt: ujwt }, {}));
    }
    if (o.sealResponses === true && o.xkp !== undefined && req.server_id.xkey !== undefined) out = o.xkp.seal(out, req.server_id.xkey);
    m.respond(out);
  };
  await nc.flush();
  return {
    nc,
    seen,
    close: async () => {
      sub.unsubscribe();
      await nc.close();
    },
  };
}

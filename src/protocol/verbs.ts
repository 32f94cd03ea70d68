/**
 * The verbs each kind of connection may send, as tables the frame core (parser.ts)
 * walks byte by byte. A kind's table is all it knows: a verb missing from it is an
 * `Unknown Protocol Operation`, exactly as nats-server's parser.go rejects, say, RS+ from
 * a client. Verbs are matched case-insensitively, as nats-server does.
 */

/** Every verb of the NATS protocols a server can receive (client, route, leaf, gateway). */
export const enum Verb {
  NONE = 0,
  PUB,
  HPUB,
  SUB,
  UNSUB,
  CONNECT,
  INFO,
  PING,
  PONG,
  OK,
  ERR,
  /** Route and gateway: interest (`RS+ account subject [queue weight]`). */
  RS_PLUS,
  RS_MINUS,
  /** Route and gateway messages (`RMSG account subject [+ reply queues | reply] size`). */
  RMSG,
  /** Route, gateway and leaf messages with headers (HMSG). */
  HMSG,
  /** Leaf node interest and messages. */
  LS_PLUS,
  LS_MINUS,
  LMSG,
  /** Gateway: account interest mode switches. */
  A_PLUS,
  A_MINUS,
}

/**
 * How a message verb's argument line splits (msg-args.ts). HMSG and LMSG mean different
 * lines on different kinds of connection, so the format belongs to the kind's table.
 */
export const enum MsgFormat {
  NONE,
  /** `subject [reply] size` (client PUB). */
  PUB,
  /** `subject [reply] hdr size` (client HPUB). */
  HPUB,
  /** `account subject [+ reply queues | \| queues | reply] size` (route RMSG). */
  ROUTED,
  /** RMSG's line with a header size before the size (route HMSG). */
  ROUTED_HDR,
  /** `origin account subject [...] hdr size` (route LMSG: a leaf's message with its cluster). */
  ROUTED_ORIGIN,
  /** `subject [+ reply queues | \| queues | reply] size` (leaf LMSG). */
  LEAF,
  /** The leaf line with a header size (leaf HMSG). */
  LEAF_HDR,
  /** RMSG on a route pinned to one account (route.go route.accName): the account is left out. */
  PINNED,
  /** HMSG on a pinned route. */
  PINNED_HDR,
  /** LMSG on a pinned route: `origin subject [...] hdr size`. */
  PINNED_ORIGIN,
}

/** What follows a verb. */
export const enum ArgShape {
  /** Nothing that matters: the rest of the line is ignored (PING, PONG, +OK). */
  NONE,
  /** A control line after at least one space or tab (SUB, -ERR, RS+...). */
  LINE,
  /** A control line, the space before it optional (CONNECT, INFO: as parser.go). */
  LINE_NOSPACE,
  /** A control line with a payload size, then the payload (PUB, RMSG...). */
  MSG,
}

interface VerbSpec {
  readonly text: string;
  readonly verb: Verb;
  readonly shape: ArgShape;
  /** For ArgShape.MSG: how the argument line splits. */
  readonly format?: MsgFormat;
}

const COMMON: readonly VerbSpec[] = [
  { text: "CONNECT", verb: Verb.CONNECT, shape: ArgShape.LINE_NOSPACE },
  { text: "INFO", verb: Verb.INFO, shape: ArgShape.LINE_NOSPACE },
  { text: "PING", verb: Verb.PING, shape: ArgShape.NONE },
  { text: "PONG", verb: Verb.PONG, shape: ArgShape.NONE },
  { text: "+OK", verb: Verb.OK, shape: ArgShape.NONE },
  { text: "-ERR", verb: Verb.ERR, shape: ArgShape.LINE },
];

/** Bytes above this are never part of a verb. */
const ALPHABET = 128;
const ROOT = 1;

/**
 * A byte trie over one kind's verbs: `next[node * 128 + byte]` is the following node (0:
 * no verb continues so), `verbAt[node]` the verb a node completes. No verb is a prefix of
 * another, so reaching a verb's last byte ends it.
 */
export class VerbTable {
  readonly next: Int16Array;
  readonly verbAt: Uint8Array;
  readonly shapeOf: Uint8Array;
  /** MsgFormat of each message verb, indexed by Verb. */
  readonly formatOf: Uint8Array;
  /** The verb this kind sends most (PUB, RMSG or LMSG): the frame core tries it first. */
  readonly hot: Verb;
  constructor(specs: readonly VerbSpec[], hot: Verb) {
    const nodes = 2 + specs.reduce((n, s) => n + s.text.length, 0);
    this.next = new Int16Array(nodes * ALPHABET);
    this.verbAt = new Uint8Array(nodes);
    this.shapeOf = new Uint8Array(32);
    this.formatOf = new Uint8Array(32);
    let used = ROOT + 1;
    for (const s of specs) {
      let node = ROOT;
      for (const ch of s.text) {
        const upper = ch.toUpperCase().charCodeAt(0);
        const lower = ch.toLowerCase().charCodeAt(0);
        let to = this.next[node * ALPHABET + upper]!;
        if (to === 0) {
          to = used++;
          this.next[node * ALPHABET + upper] = to;
          this.next[node * ALPHABET + lower] = to;
        }
        node = to;
      }
      if (this.verbAt[node] !== 0) throw new Error(`verb ${s.text} listed twice`);
      this.verbAt[node] = s.verb;
      this.shapeOf[s.verb] = s.shape;
      this.formatOf[s.verb] = s.format ?? MsgFormat.NONE;
    }
    if (!specs.some((s) => s.verb === hot)) throw new Error("the hot verb must be in the table");
    this.hot = hot;
  }

  /** The node after `byte` from `node`, 0 when no verb continues so. */
  step(node: number, byte: number): number {
    return byte < ALPHABET ? this.next[node * ALPHABET + byte]! : 0;
  }

  static readonly ROOT = ROOT;
}

/** What a client may send (nats-server parser.go with c.kind == CLIENT). */
export const CLIENT_VERBS = new VerbTable(
  [
    ...COMMON,
    { text: "PUB", verb: Verb.PUB, shape: ArgShape.MSG, format: MsgFormat.PUB },
    { text: "HPUB", verb: Verb.HPUB, shape: ArgShape.MSG, format: MsgFormat.HPUB },
    { text: "SUB", verb: Verb.SUB, shape: ArgShape.LINE },
    { text: "UNSUB", verb: Verb.UNSUB, shape: ArgShape.LINE },
  ],
  Verb.PUB,
);

/**
 * What a route may send (parser.go with c.kind == ROUTER): interest as RS+/RS- (and LS+/LS-
 * for a leaf's interest with its origin cluster), messages as RMSG/HMSG (and LMSG with an
 * origin cluster). A+/A- are gateway verbs a route ignores.
 */
export const ROUTE_VERBS = routeVerbs(MsgFormat.ROUTED, MsgFormat.ROUTED_HDR, MsgFormat.ROUTED_ORIGIN);

/**
 * What a route pinned to one account may send (2.10+ `cluster { accounts }`): the same verbs,
 * with the account left out of RMSG/HMSG/LMSG since the route names it once, in its INFO.
 */
export const PINNED_ROUTE_VERBS = routeVerbs(MsgFormat.PINNED, MsgFormat.PINNED_HDR, MsgFormat.PINNED_ORIGIN);

/** The route verb table with the given RMSG, HMSG and LMSG argument formats. */
function routeVerbs(rmsg: MsgFormat, hmsg: MsgFormat, lmsg: MsgFormat): VerbTable {
  return new VerbTable(
    [
      ...COMMON,
      { text: "RS+", verb: Verb.RS_PLUS, shape: ArgShape.LINE },
      { text: "RS-", verb: Verb.RS_MINUS, shape: ArgShape.LINE },
      { text: "LS+", verb: Verb.LS_PLUS, shape: ArgShape.LINE },
      { text: "LS-", verb: Verb.LS_MINUS, shape: ArgShape.LINE },
      { text: "RMSG", verb: Verb.RMSG, shape: ArgShape.MSG, format: rmsg },
      { text: "HMSG", verb: Verb.HMSG, shape: ArgShape.MSG, format: hmsg },
      { text: "LMSG", verb: Verb.LMSG, shape: ArgShape.MSG, format: lmsg },
      { text: "A+", verb: Verb.A_PLUS, shape: ArgShape.LINE },
      { text: "A-", verb: Verb.A_MINUS, shape: ArgShape.LINE },
    ],
    Verb.RMSG,
  );
}

/** What a leaf node connection may send (parser.go with c.kind == LEAF). */
export const LEAF_VERBS = new VerbTable(
  [
    ...COMMON,
    { text: "LS+", verb: Verb.LS_PLUS, shape: ArgShape.LINE },
    { text: "LS-", verb: Verb.LS_MINUS, shape: ArgShape.LINE },
    { text: "LMSG", verb: Verb.LMSG, shape: ArgShape.MSG, format: MsgFormat.LEAF },
    { text: "HMSG", verb: Verb.HMSG, shape: ArgShape.MSG, format: MsgFormat.LEAF_HDR },
  ],
  Verb.LMSG,
);

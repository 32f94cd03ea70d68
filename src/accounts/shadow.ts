/**
 * Stream imports on the subscriber's side (nats-server client.go addShadowSubscriptions,
 * addShadowSub): a subscription in an account that imports a stream gets a shadow
 * subscription in the exporter's account, on the exporter's subject. The shadow enters the
 * exporter through `Account.addSub`, so routes, gateways and leaf nodes see interest in the
 * exporter's account (RS+ STR ev.>) exactly as a nats-server peer sends it, and a message
 * published in the exporter anywhere in the supercluster matches it here. Delivery
 * (server/deliver.ts) hands the message to the original subscription under the import's
 * subject. Which subscriptions get shadows: those of clients, of the server itself and of
 * leaf nodes; never a route's (the peer's own shadows travel as interest).
 */
import { applyImportMapping, SubjectMapping } from "./config.js";
import { Subscription } from "../server/subscription.js";
import { Kind } from "../server/connection-kind.js";
import { subjectIsSubsetMatch } from "../sublist/index.js";
import type { Account } from "./account.js";

const WILDCARD_REF = /^(?:\$(\d+)|\{\{\s*wildcard\s*\(\s*(\d+)\s*\)\s*\}\})$/;

/** One stream import as the importer sees it. */
export class StreamImportRef {
  /** The importer's subject space: where the exporter's `from` lands. */
  readonly to: string;
  /** Maps a subject of `to` back to the exporter's (nats-server im.rtr). */
  private readonly back: ((s: string) => string) | null;
  /** Equal for the same import (exporter name, subject, mapping, allow_trace): reloads compare these. */
  readonly key: string;

  constructor(
    readonly exporter: Account,
    /** The exported subject imported (wire form). */
    readonly from: string,
    /** How a published subject is mapped into the importer (accounts/config.ts streamImportMapping). */
    readonly mapping: SubjectMapping | string | null,
    /** nats-server 2.11 `allow_trace`: a traced message is traced on into the importer (msg-trace-deliver.ts). */
    readonly allowTrace = false,
  ) {
    this.key = `${exporter.name} ${from} ${mapping === null ? "" : typeof mapping === "string" ? mapping : `>${mapping.to}`}${allowTrace ? " trace" : ""}`;
    if (mapping === null) {
      this.to = from;
      this.back = null;
    } else if (typeof mapping === "string") {
      if (mapping.endsWith(".")) {
        this.to = mapping + from;
        const n = mapping.length;
        this.back = (s) => s.slice(n);
      } else {
        this.to = mapping;
        this.back = () => from;
      }
    } else {
      const r = reverseOf(from, mapping.to);
      this.to = r.to;
      this.back = (s) => r.mapping.apply(s);
    }
  }

  /** The subject a message published on `subject` in the exporter has in the importer. */
  deliverSubject(subject: string): string {
    return applyImportMapping(this.mapping, subject);
  }

  /**
   * The exporter's subject a shadow of a subscription on `s` listens on, or null when `s`
   * and this import's subjects do not meet (the four cases of addShadowSubscriptions).
   */
  shadowSubject(s: string): string | null {
    const to = this.to;
    if (s === to) return this.from;
    if (subjectIsSubsetMatch(s, to)) return this.reverse(s);
    if (subjectIsSubsetMatch(to, s)) return this.from;
    if (!s.includes("*") && !s.includes(">")) return null;
    // Overlap: narrow the subscription's wildcards by the import's tokens.
    const tokens = s.split(".");
    const imTokens = to.split(".");
    for (let i = 0; i < tokens.length && i < imTokens.length; i++) {
      if (tokens[i] === "*" && imTokens[i] !== ">") tokens[i] = imTokens[i]!;
    }
    const last = tokens.length - 1;
    if (tokens[last] === ">" && imTokens.length >= tokens.length) {
      tokens[last] = imTokens[last]!;
      for (let i = tokens.length; i < imTokens.length; i++) tokens.push(imTokens[i]!);
    }
    const overlap = tokens.join(".");
    return subjectIsSubsetMatch(overlap, to) ? this.reverse(overlap) : null;
  }

  private reverse(s: string): string {
    return this.back === null ? s : this.back(s);
  }
}

/** The `to` space of a wildcard mapping and the mapping back (`b.$2.$1` → `b.*.*` → `a.$2.$1`). */
function reverseOf(from: string, dest: string): { to: string; mapping: SubjectMapping } {
  const fromTokens = from.split(".");
  const destTokens = dest.split(".");
  // Position (1-based, among the `to` wildcards) of each source wildcard.
  const ordinalOf = new Map<number, number>();
  let ordinal = 0;
  const toTokens = destTokens.map((t) => {
    if (t === ">") return t;
    if (t === "*") {
      ordinal++;
      ordinalOf.set(ordinal, ordinal);
      return t;
    }
    const m = WILDCARD_REF.exec(t);
    if (m === null) return t;
    ordinal++;
    ordinalOf.set(Number(m[1] ?? m[2]), ordinal);
    return "*";
  });
  let pwc = 0;
  const backDest = fromTokens.map((t) => (t === "*" ? `$${ordinalOf.get(++pwc) ?? pwc}` : t)).join(".");
  const to = toTokens.join(".");
  return { to, mapping: new SubjectMapping(to, backDest) };
}

/** What a shadow subscription stands for. */
export interface ShadowOf {
  /** The importer's subscription the messages are for. */
  readonly origin: Subscription;
  readonly ref: StreamImportRef;
  /** The importer's account (the trace's `se` event names it). */
  readonly importer: Account;
}

/** Whether `sub` gets shadows: a client's, the server's or a leaf node's, not itself a shadow. */
export function wantsShadows(sub: Subscription): boolean {
  const kind = sub.conn.kind;
  return sub.im === null && kind !== Kind.ROUTER && kind !== Kind.GATEWAY;
}

/** Adds `sub`'s shadows in the exporters of `importer`'s stream imports. */
export function addShadows(importer: Account, sub: Subscription, refs: readonly StreamImportRef[]): void {
  let out: Subscription[] | null = null;
  for (const ref of refs) {
    const subject = ref.shadowSubject(sub.subject);
    if (subject === null) continue;
    const shadow = new Subscription(sub.conn, subject, sub.queue, sub.sid);
    shadow.weight = sub.weight;
    shadow.im = { origin: sub, ref, importer };
    (out ??= []).push(shadow);
    ref.exporter.addSub(shadow);
  }
  sub.shadows = out;
}

/** Removes `sub`'s shadows from the exporters. */
export function removeShadows(sub: Subscription): void {
  const shadows = sub.shadows;
  if (shadows === null) return;
  sub.shadows = null;
  for (const shadow of shadows) {
    shadow.closed = true;
    shadow.im!.ref.exporter.removeSub(shadow);
  }
}

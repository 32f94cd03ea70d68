/**
 * How a consumer delivers (nats-server consumer.go loopAndGatherMsgs, getNextMsg,
 * deliverMsg, processNextMsgRequest, processWaiting): the next message is a redelivery,
 * then the deliver-last-per-subject list, then the next stored message matching the
 * filters; it goes to the deliver subject (push) or to the head waiting request (pull),
 * with the `$JS.ACK` reply, as the stored headers and payload. Status messages (404, 408,
 * 409, heartbeats, flow control) use nats-server's exact text and headers.
 */
import type { Account } from "../accounts/account.js";
import { maxDeliveries } from "./advisories.js";
import type { Consumer } from "./consumer.js";
import { decodeText, DecodeError } from "./codec.js";
import { statusHeader } from "./headers.js";
import { newStoreMsg, tsToNanosString, type StoreMsg } from "./store/index.js";
import { formatDuration, NS_PER_MS } from "./time.js";
import { NEXT_REQUEST, type NextRequest } from "./types.js";
import type { WaitingRequest } from "./wait-queue.js";

/** At most this many messages per turn, and no longer than TURN_BUDGET_MS, before yielding. */
const BATCH_PER_TURN = 8192;
const TURN_BUDGET_MS = 4;
export const JS_PENDING_MSGS = "Nats-Pending-Messages";
export const JS_PENDING_BYTES = "Nats-Pending-Bytes";
const CRLF = Buffer.from("\r\n");

/** Scratch message each consumer loads into (one per consumer, reused). */
const scratchOf = new WeakMap<Consumer, StoreMsg>();
function scratch(c: Consumer): StoreMsg {
  let sm = scratchOf.get(c);
  if (sm === undefined) {
    sm = newStoreMsg();
    scratchOf.set(c, sm);
  }
  return sm;
}

function sendStatus(c: Consumer, subject: string, code: number, text: string, headers: Array<[string, number | string]> = []): void {
  c.js.sender.send(c.stream.account, subject, "", statusHeader(code, text, headers), null);
}

function pendingHeaders(wr: WaitingRequest): Array<[string, number]> {
  return [
    [JS_PENDING_MSGS, wr.n],
    [JS_PENDING_BYTES, wr.b],
  ];
}

/** Whether someone still listens on a request's reply, following `_R_.` service replies. */
export function hasReplyInterest(account: Account, reply: string): boolean {
  if (account.sublist.hasInterest(reply)) return true;
  const resp = account.imports?.responses.get(reply);
  return resp !== undefined && resp.account.sublist.hasInterest(resp.reply);
}

interface ParsedNext {
  expiresMs: number;
  batch: number;
  maxBytes: number;
  noWait: boolean;
  hbMs: number;
}

/** nats-server nextReqFromMsg: empty = batch 1, JSON, or a plain number. */
function parseNext(body: Buffer): ParsedNext | string {
  const text = body.toString("utf8").trim();
  const out: ParsedNext = { expiresMs: 0, batch: 1, maxBytes: 0, noWait: false, hbMs: 0 };
  if (text === "") return out;
  if (text[0] === "{") {
    let r: NextRequest;
    try {
      r = decodeText<NextRequest>(text, NEXT_REQUEST);
    } catch (err) {
      return err instanceof DecodeError ? err.message : String(err);
    }
    const hb = r.idle_heartbeat ?? 0;
    const exp = r.expires ?? 0;
    if (hb > 0 && hb * 2 > exp) return "heartbeat value too large";
    out.batch = r.batch ?? 0;
    out.maxBytes = r.max_bytes ?? 0;
    out.noWait = r.no_wait === true;
    out.hbMs = hb / NS_PER_MS;
    out.expiresMs = exp > 0 ? Date.now() + exp / NS_PER_MS : 0;
    return out;
  }
  const n = Number(text);
  if (Number.isInteger(n)) out.batch = n;
  return out;
}

/** A pull request arrived on `$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>`. */
export function processNextRequest(c: Consumer, reply: string, body: Buffer): void {
  if (c.closed) return;
  const wq = c.waiting;
  if (wq === null) return sendStatus(c, reply, 409, "Consumer is push based");
  const req = parseNext(body);
  if (typeof req === "string") return sendStatus(c, reply, 400, `Bad Request - ${req}`);
  const cfg = c.cfg;
  const now = Date.now();
  if ((cfg.max_batch ?? 0) > 0 && req.batch > cfg.max_batch!) return sendStatus(c, reply, 409, `Exceeded MaxRequestBatch of ${cfg.max_batch}`);
  const maxExp = cfg.max_expires ?? 0;
  if (req.expiresMs > 0 && maxExp > 0 && req.expiresMs > now + maxExp / NS_PER_MS) {
    return sendStatus(c, reply, 409, `Exceeded MaxRequestExpires of ${formatDuration(maxExp)}`);
  }
  if (req.maxBytes > 0 && (cfg.max_bytes ?? 0) > 0 && req.maxBytes > cfg.max_bytes!) {
    return sendStatus(c, reply, 409, `Exceeded MaxRequestMaxBytes of ${cfg.max_bytes}`);
  }
  if (wq.isFull()) processWaiting(c, false, now);
  if (req.noWait) {
    const msgsPending = c.numPending() + c.rdq.length;
    if (msgsPending === 0 && req.expiresMs === 0) {
      wq.lastMs = now;
      return sendStatus(c, reply, 404, "No Messages");
    }
    if (msgsPending > 0 && msgsPending < processWaiting(c, false, now)) {
      wq.lastMs = now;
      return sendStatus(c, reply, 408, "Requests Pending");
    }
  }
  const wr: WaitingRequest = {
    reply,
    n: req.batch > 0 ? req.batch : 1,
    d: 0,
    b: req.maxBytes,
    expiresMs: req.expiresMs,
    receivedMs: now,
    hbMs: req.hbMs,
    hbAtMs: req.hbMs > 0 ? now + req.hbMs : 0,
    noWait: req.noWait,
  };
  if (!wq.add(wr)) return sendStatus(c, reply, 409, "Exceeded MaxWaiting");
  c.kick();
  if (wr.expiresMs > 0 || wr.hbAtMs > 0) c.scheduleTimer(Math.min(wr.expiresMs || Infinity, wr.hbAtMs || Infinity));
}

/**
 * Expires requests, drops those nobody listens to any more, and sends due heartbeats
 * (nats-server processWaiting). With `eos` (nothing left to deliver) no-wait requests
 * that got something are finished with 408. Returns the messages still asked for.
 */
export function processWaiting(c: Consumer, eos: boolean, now: number): number {
  const wq = c.waiting;
  if (wq === null || wq.length === 0) return 0;
  let asked = 0;
  for (const wr of wq.all()) {
    if ((eos && wr.noWait && wr.d > 0) || (wr.expiresMs > 0 && now >= wr.expiresMs)) {
      sendStatus(c, wr.reply, 408, "Request Timeout", pendingHeaders(wr));
      wq.remove(wr);
      continue;
    }
    if (!hasReplyInterest(c.stream.account, wr.reply)) {
      wq.remove(wr);
      continue;
    }
    asked += wr.n;
    if (wr.hbAtMs > 0 && now >= wr.hbAtMs) {
      sendHeartbeat(c, wr.reply, now);
      wr.hbAtMs = now + wr.hbMs;
    }
  }
  return asked;
}

/** The head request able to take a message of `size` bytes (nats-server nextWaiting). */
function nextWaiting(c: Consumer, size: number, now: number): WaitingRequest | undefined {
  const wq = c.waiting!;
  for (let wr = wq.peek(); wr !== undefined; wr = wq.peek()) {
    if (wr.b > 0) {
      if (size <= wr.b) {
        wr.b -= size;
        if (wr.b === 0) wr.n = 1;
      } else {
        sendStatus(c, wr.reply, 409, "Message Size Exceeds MaxBytes", pendingHeaders(wr));
        wq.removeHead();
        continue;
      }
    }
    if (wr.expiresMs === 0 || now < wr.expiresMs) {
      if (hasReplyInterest(c.stream.account, wr.reply)) return wq.pop();
    } else {
      sendStatus(c, wr.reply, 408, "Request Timeout", pendingHeaders(wr));
    }
    wq.removeHead();
  }
  return undefined;
}

/** `NATS/1.0 100 Idle Heartbeat` with the last delivered sequences (and a stall marker). */
export function sendHeartbeat(c: Consumer, subject: string, now: number): void {
  const h: Array<[string, number | string]> = [
    ["Nats-Last-Consumer", c.dseq - 1],
    ["Nats-Last-Stream", c.sseq - 1],
  ];
  if (c.fcid !== "") h.push(["Nats-Consumer-Stalled", c.fcid]);
  if (!c.isPush || c.active) sendStatus(c, subject, 100, "Idle Heartbeat", h);
  if (c.isPush) c.hbAtMs = now + (c.cfg.idle_heartbeat ?? 0) / NS_PER_MS;
}

type Next = { sm: StoreMsg; dc: number } | "eof" | "maxAckPending";

/** The next message to deliver (nats-server getNextMsg). */
function getNextMsg(c: Consumer): Next {
  const store = c.stream.store;
  const sm = scratch(c);
  while (c.rdq.length > 0) {
    const seq = c.rdq.shift()!;
    c.rdqSet.delete(seq);
    const dc = (c.rdc.get(seq) ?? 0) + 2;
    const max = c.cfg.max_deliver ?? -1;
    if (max > 0 && dc > max) {
      if (dc === max + 1) maxDeliveries(c.js, c.stream.account, c.stream.name, c.name, seq, dc - 1);
      c.pending.delete(seq);
      continue;
    }
    if (store.loadMsg(seq, sm) === null) continue;
    c.rdc.set(seq, dc - 1);
    return { sm, dc };
  }
  if (c.ackPendingFull()) return "maxAckPending";
  while (c.lss.length > 0) {
    const seq = c.lss.shift()!;
    if (c.lss.length === 0) c.sseq = c.lssResume;
    if (store.loadMsg(seq, sm) !== null) {
      if (c.lss.length > 0) c.sseq = seq + 1;
      return { sm, dc: 1 };
    }
  }
  let found: StoreMsg | null;
  if (c.storeFilter !== null) found = store.loadNextMsgMulti(c.storeFilter, c.sseq, sm);
  else found = store.loadNextMsg(c.singleFilter, c.singleFilterWild, c.sseq, sm);
  if (found === null) {
    const last = store.fastState().lastSeq;
    if (last >= c.sseq) c.sseq = last + 1;
    if (c.npc !== 0 && c.sseq > last) c.npc = 0;
    return "eof";
  }
  c.sseq = found.seq + 1;
  return { sm: found, dc: 1 };
}

/** Puts back a message that found no taker (nats-server's undo in loopAndGatherMsgs). */
function undoNext(c: Consumer, seq: number, dc: number): void {
  if (dc === 1 && seq === c.sseq - 1) {
    c.sseq--;
  } else if (!c.rdqSet.has(seq)) {
    const prev = (c.rdc.get(seq) ?? 1) - 1;
    if (prev > 0) c.rdc.set(seq, prev);
    else c.rdc.delete(seq);
    c.rdq.unshift(seq);
    c.rdqSet.add(seq);
  }
}

/** Delivers up to BATCH_PER_TURN messages; returns true when more may be waiting. */
export function deliverBatch(c: Consumer): boolean {
  const now = Date.now();
  const start = performance.now();
  for (let i = 0; i < BATCH_PER_TURN; i++) {
    if ((i & 127) === 127 && performance.now() - start >= TURN_BUDGET_MS) return true;
    if (c.closed) return false;
    if (c.isPush ? !c.pushReady() : c.waiting!.length === 0) return false;
    if (c.replayNextAtMs > now) return false;
    const next = getNextMsg(c);
    if (next === "eof" || next === "maxAckPending") {
      if (c.waiting !== null) processWaiting(c, next === "eof", now);
      return false;
    }
    const { sm, dc } = next;
    if (replayDelay(c, sm, dc, now)) return false;
    if (c.sink !== null) {
      if (!deliverToSink(c, sm, dc, now)) {
        undoNext(c, sm.seq, dc);
        return false;
      }
      continue;
    }
    let target: string;
    if (c.isPush) {
      target = c.cfg.deliver_subject!;
    } else {
      const size = sm.subject.length + c.ackReplyPrefix.length + 40 + sm.hdr.length + sm.msg.length;
      const wr = nextWaiting(c, size, now);
      if (wr === undefined) {
        undoNext(c, sm.seq, dc);
        return false;
      }
      target = wr.reply;
      deliverMsg(c, target, sm, dc, now);
      if (wr.n <= 0 && wr.b > 0) sendStatus(c, target, 409, "Batch Completed", pendingHeaders(wr));
      else if (wr.n > 0 && wr.hbMs > 0) wr.hbAtMs = now + wr.hbMs;
      continue;
    }
    deliverMsg(c, target, sm, dc, now);
  }
  return true;
}

/** Replay original: holds a message back until its original spacing has passed. */
function replayDelay(c: Consumer, sm: StoreMsg, dc: number, now: number): boolean {
  if (c.cfg.replay_policy !== "original" || dc !== 1) return false;
  if (c.replayLastAtMs > 0) {
    const due = c.replayLastAtMs + (sm.tsMs - c.replayLastTsMs);
    if (due > now + 1) {
      undoNext(c, sm.seq, dc);
      c.replayNextAtMs = due;
      c.scheduleTimer(due);
      return true;
    }
  }
  c.replayLastTsMs = sm.tsMs;
  c.replayLastAtMs = now;
  return false;
}

/** Sends one message to `subject` with its ack reply, and records the delivery. */
function deliverMsg(c: Consumer, subject: string, sm: StoreMsg, dc: number, now: number): void {
  const dseq = c.dseq++;
  if (dc === 1) c.npc--;
  const reply = `${c.ackReplyPrefix}${dc}.${sm.seq}.${dseq}.${tsToNanosString(sm.tsMs, sm.tsNs)}.${c.numPending()}`;
  let hdr = sm.hdr;
  let body = sm.msg;
  if (c.cfg.headers_only === true) {
    hdr = headersOnly(hdr, body.length);
    body = EMPTY;
  }
  const hl = hdr.length;
  const payload = Buffer.allocUnsafe(hl + body.length + 2);
  if (hl > 0) hdr.copy(payload, 0);
  body.copy(payload, hl);
  CRLF.copy(payload, hl + body.length);
  c.storeDelivered(dseq, sm.seq, dc, now);
  c.js.sender.sendDelivery(c.stream.account, subject, sm.subject, reply, hl > 0 ? hl : -1, payload);
  afterDelivery(c, subject, sm.seq, dseq, now, payload.length + subject.length + reply.length, payload.length);
}

/** Hands one message to an in-process sink (mirror/source consumers): no copy, no wire. */
function deliverToSink(c: Consumer, sm: StoreMsg, dc: number, now: number): boolean {
  const dseq = c.dseq;
  if (!c.sink!(sm, dc, c.numPending() - (dc === 1 ? 1 : 0))) return false;
  c.dseq++;
  if (dc === 1) c.npc--;
  c.storeDelivered(dseq, sm.seq, dc, now);
  afterDelivery(c, "", sm.seq, dseq, now, 0, 0);
  return true;
}

/** Ack tracking, flow control and heartbeat bookkeeping after a delivery. */
function afterDelivery(c: Consumer, subject: string, seq: number, dseq: number, now: number, wireSize: number, payloadSize: number): void {
  if (c.cfg.ack_policy === "none") {
    c.adflr = dseq;
    c.asflr = seq;
    if (c.stream.cfg.retention !== "limits") c.stream.ackMsg(c, seq);
  } else {
    trackPending(c, seq, dseq, now);
  }
  if (c.isPush) {
    if (subject === "") return;
    if (c.maxpb > 0) {
      c.pbytes += wireSize;
      if (needFlowControl(c, payloadSize)) sendFlowControl(c);
    }
    const hb = c.cfg.idle_heartbeat ?? 0;
    if (hb > 0) c.hbAtMs = now + hb / NS_PER_MS;
  } else {
    c.waiting!.lastMs = now;
  }
}

const EMPTY = Buffer.alloc(0);

/** headers_only: the stored headers plus `Nats-Msg-Size` (nats-server convertToHeadersOnly). */
function headersOnly(hdr: Buffer, size: number): Buffer {
  const base = hdr.length > 0 ? hdr.toString("latin1", 0, hdr.length - 2) : "NATS/1.0\r\n";
  return Buffer.from(`${base}Nats-Msg-Size: ${size}\r\n\r\n`, "latin1");
}

function trackPending(c: Consumer, sseq: number, dseq: number, now: number): void {
  const p = c.pending.get(sseq);
  if (p !== undefined) {
    p.tsMs = now;
  } else {
    c.pending.set(sseq, { dseq, tsMs: now });
  }
  const backoff = c.cfg.backoff ?? [];
  const i = Math.min(c.rdc.get(sseq) ?? 0, Math.max(backoff.length - 1, 0));
  const due = now + c.ackWaitMs(backoff.length > 0 ? backoff[i]! : 0);
  if (c.timerAt === 0 || c.timerAt > due) c.js.timers.schedule(c, due);
}

function needFlowControl(c: Consumer, size: number): boolean {
  if (c.fcid === "" && c.pbytes > c.maxpb / 2) return true;
  if (c.fcid !== "" && c.pbytes - c.fcsz >= c.maxpb) c.fcsz += size;
  return false;
}

const FC_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `NATS/1.0 100 FlowControl Request` with reply `$JS.FC.<stream>.<consumer>.<rand>`. */
function sendFlowControl(c: Consumer): void {
  let r = "";
  for (let i = 0; i < 4; i++) r += FC_DIGITS[Math.floor(Math.random() * FC_DIGITS.length)];
  const reply = `$JS.FC.${c.stream.name}.${c.name}.${r}`;
  c.fcsz = c.pbytes;
  c.fcid = reply;
  c.js.sender.send(c.stream.account, c.cfg.deliver_subject!, reply, statusHeader(100, "FlowControl Request"), null);
}

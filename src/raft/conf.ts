/**
 * Configurations and single-server membership changes (Ongaro's thesis §4.1): each change adds
 * or removes one voter, so any majority of the old configuration overlaps any majority of the
 * new one, and a server uses the latest configuration in its log whether committed or not.
 * A new server joins as a learner (receives the log, does not vote) and is promoted once caught
 * up, so adding it never stalls commits (thesis §4.2.1).
 */
import assert from "node:assert/strict";
import type { ConfState } from "./types.js";

export const ConfChangeType = { AddLearner: 0, Promote: 1, Remove: 2 } as const;
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType];

export interface ConfChange {
  type: ConfChangeType;
  id: number;
}

export function emptyConf(): ConfState {
  return { voters: [], learners: [] };
}

export function cloneConf(c: ConfState): ConfState {
  return { voters: c.voters.slice(), learners: c.learners.slice() };
}

export function isVoter(c: ConfState, id: number): boolean {
  return c.voters.includes(id);
}

export function isMember(c: ConfState, id: number): boolean {
  return c.voters.includes(id) || c.learners.includes(id);
}

/** Every member, voters first, each list sorted (deterministic iteration). */
export function members(c: ConfState): number[] {
  return [...c.voters, ...c.learners];
}

/** The configuration after `cc`, or an error string when the change is not allowed. */
export function applyChange(c: ConfState, cc: ConfChange): ConfState | string {
  const next = cloneConf(c);
  const sortNum = (a: number, b: number) => a - b;
  switch (cc.type) {
    case ConfChangeType.AddLearner:
      if (isMember(c, cc.id)) return `node ${cc.id} is already a member`;
      next.learners.push(cc.id);
      next.learners.sort(sortNum);
      return next;
    case ConfChangeType.Promote:
      if (!c.learners.includes(cc.id)) return `node ${cc.id} is not a learner`;
      next.learners = next.learners.filter((x) => x !== cc.id);
      next.voters.push(cc.id);
      next.voters.sort(sortNum);
      return next;
    case ConfChangeType.Remove:
      if (!isMember(c, cc.id)) return `node ${cc.id} is not a member`;
      if (c.voters.length === 1 && c.voters[0] === cc.id) return "cannot remove the last voter";
      next.voters = next.voters.filter((x) => x !== cc.id);
      next.learners = next.learners.filter((x) => x !== cc.id);
      return next;
    default:
      return "unknown change";
  }
}

/** Size of a majority of `voters`. */
export function quorum(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/** Encodes a configuration as an entry payload: u16 count, u32 ids, twice. */
export function encodeConf(c: ConfState): Uint8Array {
  const b = Buffer.alloc(4 + 4 * (c.voters.length + c.learners.length));
  let o = b.writeUInt16BE(c.voters.length, 0);
  for (const v of c.voters) o = b.writeUInt32BE(v, o);
  o = b.writeUInt16BE(c.learners.length, o);
  for (const v of c.learners) o = b.writeUInt32BE(v, o);
  return b;
}

export function decodeConf(data: Uint8Array): ConfState {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const c = emptyConf();
  let o = 0;
  const nv = b.readUInt16BE(o);
  o += 2;
  for (let i = 0; i < nv; i++, o += 4) c.voters.push(b.readUInt32BE(o));
  const nl = b.readUInt16BE(o);
  o += 2;
  for (let i = 0; i < nl; i++, o += 4) c.learners.push(b.readUInt32BE(o));
  assert.equal(o, b.length, "conf entry length");
  return c;
}

/**
 * Subject helpers JetStream needs beyond the sublist's: collision of two wildcard
 * subjects (nats-server SubjectsCollide), stream/consumer name validity, token access.
 */
import { subjectIsSubsetMatch } from "../sublist/index.js";

/** nats-server isValidName: non-empty, no whitespace, '.', '*' or '>'. */
export function isValidName(name: string): boolean {
  return name !== "" && !/[ \t\r\n\f.*>]/.test(name);
}

function hasWildcards(tokens: readonly string[]): { pwc: boolean; fwc: boolean } {
  let pwc = false;
  let fwc = false;
  for (const t of tokens) {
    if (t === "*") pwc = true;
    else if (t === ">") fwc = true;
  }
  return { pwc, fwc };
}

function tokensCanMatch(t1: string, t2: string): boolean {
  if (t1 === "" || t2 === "") return false;
  if (t1 === "*" || t2 === "*" || t1 === ">" || t2 === ">") return true;
  return t1 === t2;
}

/** Whether some literal subject matches both `a` and `b` (nats-server SubjectsCollide). */
export function subjectsCollide(a: string, b: string): boolean {
  if (a === b) return true;
  const ta = a.split(".");
  const tb = b.split(".");
  const wa = hasWildcards(ta);
  const wb = hasWildcards(tb);
  const la = !(wa.pwc || wa.fwc);
  const lb = !(wb.pwc || wb.fwc);
  if (la && lb) return false;
  if (la) return subjectIsSubsetMatch(a, b);
  if (lb) return subjectIsSubsetMatch(b, a);
  if (!wa.fwc && !wb.fwc && ta.length !== tb.length) return false;
  if (ta.length !== tb.length) {
    if ((ta.length < tb.length && !wa.fwc) || (tb.length < ta.length && !wb.fwc)) return false;
  }
  const stop = Math.min(ta.length, tb.length);
  for (let i = 0; i < stop; i++) if (!tokensCanMatch(ta[i]!, tb[i]!)) return false;
  return true;
}

/** Whether the subject has a `*` or `>` token. */
export function subjectHasWildcard(s: string): boolean {
  return s === "*" || s === ">" || s.startsWith("*.") || s.startsWith(">.") || s.endsWith(".*") || s.endsWith(".>") || s.includes(".*.");
}

/** The 1-based `index`-th token of `subject`, or "" (nats-server tokenAt). */
export function tokenAt(subject: string, index: number): string {
  let start = 0;
  let n = 1;
  for (let i = 0; i < subject.length; i++) {
    if (subject.charCodeAt(i) === 46) {
      if (n === index) return subject.slice(start, i);
      n++;
      start = i + 1;
    }
  }
  return n === index ? subject.slice(start) : "";
}

/** Number of tokens (nats-server numTokens). */
export function numTokens(subject: string): number {
  if (subject === "") return 0;
  let n = 1;
  for (let i = 0; i < subject.length; i++) if (subject.charCodeAt(i) === 46) n++;
  return n;
}

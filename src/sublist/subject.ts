/**
 * Pure subject helpers: validation, literal tests and wildcard matching between subjects.
 *
 * Semantics follow nats-server v2.9.10 `server/sublist.go` (IsValidSubject,
 * IsValidLiteralSubject, subjectIsLiteral, matchLiteral, subjectIsSubsetMatch). A subject is
 * a list of tokens separated by `.`; `*` and `>` are wildcards only when they are a whole
 * token (`foo*` and `>bar` are literal tokens). None of these functions allocate except
 * {@link tokenizeSubject}: they are called on the publish path and for permission checks.
 *
 * Go works on UTF-8 bytes and we work on UTF-16 code units. Every character these rules care
 * about (`.`, `*`, `>`, ASCII whitespace) is ASCII, and neither encoding lets a multi-unit
 * character contain an ASCII unit, so the results are the same.
 */

/** Token separator, nats-server `btsep`. */
export const TSEP = ".";
/** Partial wildcard, matches exactly one token (nats-server `pwc`). */
export const PWC = "*";
/** Full wildcard, matches one or more trailing tokens (nats-server `fwc`). */
export const FWC = ">";

const DOT_CODE = 0x2e;
const PWC_CODE = 0x2a;
const FWC_CODE = 0x3e;
const REPLACEMENT_CHAR_CODE = 0xfffd;

/** The whitespace nats-server rejects inside a subject: space, \t, \n, \f, \r. */
function isSubjectWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}

/**
 * The `checkRunes` part of nats-server's isValidSubject: no NUL, and nothing that would decode
 * to the Unicode replacement character (Go flags invalid UTF-8 as U+FFFD). In a JS string the
 * equivalents are an explicit U+FFFD and an unpaired surrogate (which becomes U+FFFD once
 * encoded as UTF-8 for the wire).
 */
function runesAreValid(s: string): boolean {
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c === REPLACEMENT_CHAR_CODE) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < len ? s.charCodeAt(i + 1) : 0;
      if (next < 0xdc00 || next > 0xdfff) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

/**
 * Whether `subject` is a valid subscription subject (wildcards allowed): not empty, no empty
 * token, `>` only as the last token, no space/tab/CR/LF/FF anywhere. With `checkRunes`, also
 * rejects NUL and malformed Unicode, as nats-server does for subjects it did not parse itself
 * (e.g. JetStream configs).
 */
export function isValidSubject(subject: string, checkRunes = false): boolean {
  const len = subject.length;
  if (len === 0) return false;
  if (checkRunes && !runesAreValid(subject)) return false;
  let tokenStart = 0;
  let sawFwc = false;
  for (let i = 0; i <= len; i++) {
    const c = i === len ? DOT_CODE : subject.charCodeAt(i);
    if (c === DOT_CODE) {
      const tokenLen = i - tokenStart;
      if (tokenLen === 0 || sawFwc) return false;
      if (tokenLen === 1 && subject.charCodeAt(tokenStart) === FWC_CODE) sawFwc = true;
      tokenStart = i + 1;
    } else if (isSubjectWhitespace(c)) {
      return false;
    }
  }
  return true;
}

/**
 * Whether `subject` has no empty token and no wildcard token. Exactly nats-server's
 * IsValidLiteralSubject, which (unlike {@link isValidSubject}) does not look for whitespace:
 * use {@link isValidPublishSubject} to validate what a client publishes to.
 */
export function isValidLiteralSubject(subject: string): boolean {
  const len = subject.length;
  let tokenStart = 0;
  for (let i = 0; i <= len; i++) {
    if (i !== len && subject.charCodeAt(i) !== DOT_CODE) continue;
    const tokenLen = i - tokenStart;
    if (tokenLen === 0) return false;
    if (tokenLen === 1) {
      const c = subject.charCodeAt(tokenStart);
      if (c === PWC_CODE || c === FWC_CODE) return false;
    }
    tokenStart = i + 1;
  }
  return true;
}

/**
 * Whether `subject` has no wildcard token. Fast: does not validate the subject (nats-server
 * subjectIsLiteral, used by the cache layer).
 */
export function subjectIsLiteral(subject: string): boolean {
  const last = subject.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = subject.charCodeAt(i);
    if (c !== PWC_CODE && c !== FWC_CODE) continue;
    if ((i === 0 || subject.charCodeAt(i - 1) === DOT_CODE) &&
      (i === last || subject.charCodeAt(i + 1) === DOT_CODE)) {
      return false;
    }
  }
  return true;
}

/** Whether a client may publish to `subject`: valid and literal (nats-server IsValidPublishSubject). */
export function isValidPublishSubject(subject: string): boolean {
  return isValidSubject(subject) && subjectIsLiteral(subject);
}

/**
 * Whether `queue` can name a queue group: not empty and no whitespace (the protocol splits SUB
 * arguments on whitespace). nats-server v2.9.10 accepts any other token as a queue name,
 * including `*`, `>` and dotted names; they are not subjects and are compared as plain strings.
 */
export function isValidQueueName(queue: string): boolean {
  const len = queue.length;
  if (len === 0) return false;
  for (let i = 0; i < len; i++) {
    if (isSubjectWhitespace(queue.charCodeAt(i))) return false;
  }
  return true;
}

/** Splits a subject into its tokens (`"a.b.c"` → `["a", "b", "c"]`); does not validate. */
export function tokenizeSubject(subject: string): string[] {
  return subject.split(TSEP);
}

/** End index (exclusive) of the token starting at `start`. */
function tokenEnd(s: string, start: number): number {
  const dot = s.indexOf(TSEP, start);
  return dot < 0 ? s.length : dot;
}

/** Whether a[aStart..aEnd) and b[bStart..bEnd) hold the same characters, without slicing. */
function tokensEqual(a: string, aStart: number, aEnd: number, b: string, bStart: number, bEnd: number): boolean {
  const len = aEnd - aStart;
  if (len !== bEnd - bStart) return false;
  for (let k = 0; k < len; k++) {
    if (a.charCodeAt(aStart + k) !== b.charCodeAt(bStart + k)) return false;
  }
  return true;
}

/**
 * Whether `literal`, taken character for character (any `*` or `>` in it is plain text),
 * matches the subscription subject `pattern`. This is the relation the trie implements for
 * {@link Sublist.match}, so the result cache uses it to find which cached subjects a new or
 * removed subscription affects (nats-server matchLiteral).
 */
export function matchLiteral(literal: string, pattern: string): boolean {
  // One pass over the pattern's characters; `li` walks the literal in step. Runs for every
  // cached subject on each wildcard insert/remove, hence no token slicing.
  const literalLen = literal.length;
  const last = pattern.length - 1;
  let li = 0;
  for (let pi = 0; pi <= last; pi++) {
    if (li >= literalLen) return false;
    const c = pattern.charCodeAt(pi);
    if ((c === PWC_CODE || c === FWC_CODE) &&
      (pi === 0 || pattern.charCodeAt(pi - 1) === DOT_CODE) &&
      (pi === last || pattern.charCodeAt(pi + 1) === DOT_CODE)) {
      if (c === FWC_CODE) return true; // the literal has at least one token left
      while (li < literalLen && literal.charCodeAt(li) !== DOT_CODE) li++;
      continue;
    }
    if (c !== literal.charCodeAt(li)) return false;
    li++;
  }
  return li >= literalLen;
}

/**
 * Whether every subject matched by `subject` is also matched by `test`; both may contain
 * wildcards. `foo.*` is a subset of `>`, `*.*` and `foo.*`, but not of `foo.bar`. Used for
 * permissions and JetStream filters (nats-server subjectIsSubsetMatch). For a literal
 * `subject` this is plain matching. One deliberate difference: Go treats a `test` token that
 * merely starts with `*` (e.g. `*x`) as a wildcard; here, as everywhere else, only a whole
 * `*` token is one.
 */
export function subjectIsSubsetMatch(subject: string, test: string): boolean {
  const subjectLen = subject.length;
  const testLen = test.length;
  let si = 0;
  let ti = 0;
  for (;;) {
    if (si > subjectLen) return false; // test has more tokens than subject
    const te = tokenEnd(test, ti);
    const testTokenLen = te - ti;
    if (testTokenLen === 0) return false;
    const tc = test.charCodeAt(ti);
    if (testTokenLen === 1 && tc === FWC_CODE) return true;
    const se = tokenEnd(subject, si);
    const subjectTokenLen = se - si;
    if (subjectTokenLen === 0) return false;
    const sc = subject.charCodeAt(si);
    const testIsPwc = testTokenLen === 1 && tc === PWC_CODE;
    if (subjectTokenLen === 1 && sc === FWC_CODE) return false;
    if (subjectTokenLen === 1 && sc === PWC_CODE) {
      if (!testIsPwc) return false;
    } else if (!testIsPwc && !tokensEqual(subject, si, se, test, ti, te)) {
      return false;
    }
    if (te === testLen) return se === subjectLen;
    ti = te + 1;
    si = se + 1;
  }
}

/**
 * Whether `subject` (literal or wildcard) falls entirely within `filter`: a literal subject
 * matches the filter, a wildcard subject is a subset of it. Used by JetStream stream and
 * consumer filters; same relation as {@link subjectIsSubsetMatch}.
 */
export function subjectMatchesFilter(subject: string, filter: string): boolean {
  return subjectIsSubsetMatch(subject, filter);
}

/**
 * The server's form of a subject that arrives as a JS string from configuration or the
 * API: its UTF-8 bytes, one char per byte. Subjects from the wire are held that way
 * (latin1, byte-exact), so non-ASCII subjects in permissions, mappings and imports must
 * be converted to match what clients send.
 */
export function wireSubject(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, "utf8").toString("latin1");
  return s;
}

/** The inverse of {@link wireSubject}, for showing subjects (monitoring JSON, logs). */
export function displaySubject(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, "latin1").toString("utf8");
  return s;
}

/**
 * Subject matching: validation helpers and the subscription trie with its result cache.
 * Stands alone (imports nothing from server/), like nats-server's sublist.go.
 */
export { wireSubject, displaySubject } from "./subject.js";
export {
  FWC,
  PWC,
  TSEP,
  isValidLiteralSubject,
  isValidPublishSubject,
  isValidQueueName,
  isValidSubject,
  matchLiteral,
  subjectIsLiteral,
  subjectIsSubsetMatch,
  subjectMatchesFilter,
  tokenizeSubject,
} from "./subject.js";
export {
  EMPTY_RESULT,
  SL_BATCH_PATCH_MAX,
  SL_CACHE_MAX,
  SL_CACHE_SWEEP,
  Sublist,
} from "./sublist.js";
export type { SublistOptions, SublistResult, SublistStats, SublistSub } from "./sublist.js";

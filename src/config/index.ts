/**
 * NATS config-file support: the public surface of src/config. Parse with `parseConfig`
 * (pure: text in, positioned tree out), map with `configToOptions`, or do both from a
 * file with `loadConfigFile`. Every stage collects all problems as `ConfigIssue`s.
 */
export { checkFailures, formatIssue, type ConfigIssue, type Pos } from "./issues.js";
export { lex, type Token, type TokenType } from "./lexer.js";
export {
  parseConfig,
  parseInteger,
  toPlain,
  type ConfigNode,
  type MapEntry,
  type MapNode,
  type ParseOptions,
  type ParseResult,
} from "./parser.js";
export { parseDuration } from "./values.js";
export { configToOptions, loadConfigFile, loadConfigText, type ConfigExtra, type ConfigResult } from "./options.js";

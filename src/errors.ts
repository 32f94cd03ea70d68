/**
 * Internal errors: one class with a stable `code`, so callers and tests can match on
 * the code rather than on the message (undici UND_ERR_*, fastify FST_ERR_*).
 */
export class TsnatsError extends Error {
  override name = "TsnatsError";
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * JetStream API errors (nats-server jetstream_errors.go): every error a client can see is
 * built from the data table in `errors-table.ts`, by name, so code, err_code and wording
 * are nats-server's. Placeholders such as `{err}` or `{seq}` are filled from `args`.
 */
import { JS_ERRORS, type JsErrorName } from "./errors-table.js";

export type { JsErrorName } from "./errors-table.js";

/** The `error` object of an API response (nats-server ApiError). */
export interface ApiError {
  code: number;
  err_code: number;
  description: string;
}

/**
 * A JetStream API error as a throwable: handlers throw it, the API layer turns it into
 * the response's `error`. `apiError` is the JSON form.
 */
export class JsApiError extends Error {
  override name = "JsApiError";
  constructor(readonly apiError: ApiError) {
    super(apiError.description);
  }

  get errCode(): number {
    return this.apiError.err_code;
  }
}

/** Builds the ApiError called `name`, with `{key}` placeholders replaced from `args`. */
export function jsError(name: JsErrorName, args: Record<string, string | number> = {}): ApiError {
  const [code, errCode, text] = JS_ERRORS[name];
  const description = text.replace(/\{(\w+)\}/g, (m, key: string) => (key in args ? String(args[key]) : m));
  return { code, err_code: errCode, description };
}

/** `new JsApiError(jsError(name, args))`, for `throw`. */
export function jsFail(name: JsErrorName, args: Record<string, string | number> = {}): JsApiError {
  return new JsApiError(jsError(name, args));
}

/**
 * nats-server's `NewXxxError(err, Unless(err))`: when `err` already is an API error it is
 * passed through, otherwise `name` is built with `{err}` set to its message.
 */
export function jsErrorUnless(name: JsErrorName, err: unknown): ApiError {
  if (err instanceof JsApiError) return err.apiError;
  return jsError(name, { err: err instanceof Error ? err.message : String(err) });
}

/** True when `err` is the API error called `name` (nats-server IsNatsErr). */
export function isJsError(err: unknown, name: JsErrorName): boolean {
  return err instanceof JsApiError && err.apiError.err_code === JS_ERRORS[name][1];
}

/**
 * Big monitoring documents written in pieces: a document whose last field is a long list
 * (`connections`, `subscriptions_list`) is serialized element by element, yielding between
 * slices, into a sink (an HTTP response with back-pressure, or a string for a system
 * request). The bytes are exactly `JSON.stringify(doc, null, 2)` (or compact), so the
 * output stays the same as nats-server-shaped JSON built in one go.
 */
import type { ServerResponse } from "node:http";
import type { Slicer } from "./slices.js";

/** Where serialized pieces go; awaiting write() is how back-pressure reaches the writer. */
export interface JsonSink {
  write(chunk: string): void | Promise<void>;
}

/** Pieces are passed to the sink once this long. */
const CHUNK_CHARS = 64 * 1024;

/** A document to be written with {@link ListDocument.writeTo}. */
export interface StreamedJson {
  /** `indent`: the indentation of the line the value starts on (pretty output only). */
  writeTo(sink: JsonSink, pretty: boolean, sl: Slicer, indent?: string): Promise<void>;
}

/**
 * `{...head, [listKey]: [...list].map(element)}`. `element` runs as the list is written, so
 * per-item detail (a connection's subscriptions) is gathered slice by slice, not up front;
 * it may return another ListDocument (a connection with 200,000 subscriptions), which is
 * streamed in its turn. `list` may be a live iterable (a connection's subscription Map).
 */
export class ListDocument<T> implements StreamedJson {
  constructor(
    readonly head: Record<string, unknown>,
    readonly listKey: string,
    readonly list: Iterable<T>,
    readonly element: (item: T) => unknown,
  ) {}

  async writeTo(sink: JsonSink, pretty: boolean, sl: Slicer, indent = ""): Promise<void> {
    const nl = pretty ? `\n${indent}` : "";
    const hasHead = Object.keys(this.head).length > 0;
    // The head without its closing brace ("\n}" pretty, "}" compact; "{}" when empty).
    let out = hasHead ? stringify(this.head, pretty, indent).slice(0, pretty ? -(2 + indent.length) : -1) : "{";
    const key = JSON.stringify(this.listKey);
    out += `${hasHead ? "," : ""}${nl}${pretty ? `  ${key}: [` : `${key}:[`}`;
    const inner = `${indent}    `;
    let first = true;
    for (const item of this.list) {
      out += first ? "" : ",";
      if (pretty) out += `\n${inner}`;
      first = false;
      const value = this.element(item);
      if (value instanceof ListDocument) {
        await sink.write(out);
        out = "";
        await value.writeTo(sink, pretty, sl, inner);
        continue;
      }
      const el = stringify(value, pretty, inner);
      out += el;
      if (out.length >= CHUNK_CHARS) {
        await sink.write(out);
        out = "";
      }
      if (sl.due(1 + (el.length >> 7))) await sl.pause();
    }
    out += first ? `]${nl}}` : pretty ? `${nl}  ]${nl}}` : "]}";
    await sink.write(out);
  }
}

/** JSON.stringify, pretty lines indented to sit at `indent`. */
function stringify(value: unknown, pretty: boolean, indent: string): string {
  const json = JSON.stringify(value, null, pretty ? 2 : undefined) ?? "null";
  return pretty && indent !== "" ? json.replaceAll("\n", `\n${indent}`) : json;
}

/** A sink that keeps everything (for a system request's reply, sent as one message). */
export class StringSink implements JsonSink {
  private readonly parts: string[] = [];

  write(chunk: string): void {
    this.parts.push(chunk);
  }

  text(): string {
    return this.parts.join("");
  }
}

/** The HTTP client went away while its document was being written: stop building it. */
export class ResponseGoneError extends Error {
  override readonly name = "ResponseGoneError";
}

/** An HTTP response as a sink: waits for 'drain' when the socket is backed up. */
export class ResponseSink implements JsonSink {
  constructor(private readonly res: ServerResponse) {}

  async write(chunk: string): Promise<void> {
    const res = this.res;
    if (res.destroyed) throw new ResponseGoneError("monitoring client went away");
    if (res.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        res.off("drain", done);
        res.off("close", done);
        resolve();
      };
      res.on("drain", done);
      res.on("close", done);
    });
  }
}

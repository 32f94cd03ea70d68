/**
 * Reads plain TCP connections into one buffer the server owns, instead of a fresh Buffer
 * per read (nats-server reuses its read buffer the same way).
 *
 * By default every socket read allocates 64 KiB of native memory, wraps it in an
 * ArrayBuffer and a Buffer and pushes it through the stream machinery; the memory then
 * waits for the garbage collector. Under a publish flood that is a new, cache-cold buffer
 * per read, and measured with the C ingest client it cost about a third of the server's
 * CPU per 1 KiB message. Node can read into a caller-owned buffer (`net.Socket`'s
 * `onread` option), but `net.Server` has no way to pass that option to the sockets it
 * accepts. So an accepted socket is switched over in the tick it is accepted, before its
 * first read, by setting what the `onread` option would have set (the socket's own
 * `kBuffer`/`kBufferCb` fields and the handle's `useUserBuffer`). Node's stream code then
 * calls back with the byte count, and pause()/resume() stop and start the handle's reads.
 *
 * One buffer serves every connection: a read is parsed synchronously to the end before the
 * next one, and the parser copies whatever must outlive a read (split frames, held input).
 * Where the switch is not possible (TLS, bytes already buffered by a peek, a Node whose
 * internals differ) `attach` returns false and the caller keeps the `data` event.
 */
import type { Socket } from "node:net";

/**
 * Four times nats-server's largest read buffer (64 KiB): a read costs more in Node (the
 * stream callback, the per-read bookkeeping) than in Go, and one buffer serves every
 * connection. Measured with the C ingest client, 1 KiB messages: server CPU per message
 * 545 -> 385 ns (medians of 5; nats-server 435 in the same runs, load ~25).
 */
export const READ_BUFFER_SIZE = 256 * 1024;

/** Node's internal fields behind the `onread` option, found once on a live socket. */
interface OnreadFields {
  buffer: symbol;
  callback: symbol;
}

interface UserBufferHandle {
  useUserBuffer?: (buf: Uint8Array) => void;
}

export class SocketReader {
  readonly buf: Buffer;
  /** Undefined until the first attach; null when this Node has no such fields. */
  private fields: OnreadFields | null | undefined = undefined;

  constructor(size = READ_BUFFER_SIZE) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /**
   * Makes `socket` read into the shared buffer and call `onRead(nread, buf)`, with the
   * socket as `this`, for each read (`buf[0, nread)` is valid until `onRead` returns), so one
   * function can serve every socket. Call it right after accept, before
   * any read. Returns false, changing nothing, when the socket cannot be switched.
   */
  attach<S extends Socket>(socket: S, onRead: (this: S, nread: number, buf: Buffer) => void): boolean {
    // TLS sockets decrypt through their own stream: they keep the data event.
    if ((socket as { encrypted?: boolean }).encrypted === true) return false;
    const handle = (socket as unknown as { _handle?: UserBufferHandle | null })._handle;
    if (handle === null || handle === undefined || typeof handle.useUserBuffer !== "function") return false;
    if (socket.readableLength > 0 || socket.listenerCount("data") > 0 || socket.listenerCount("readable") > 0) return false;
    const f = this.onreadFields(socket);
    if (f === null) return false;
    const fields = socket as unknown as Record<symbol, unknown>;
    if (fields[f.buffer] !== null || fields[f.callback] !== null) return false;
    fields[f.buffer] = this.buf;
    // Node calls it as the socket's method, `socket[kBufferCb](nread, buffer)`, so one shared
    // function serves every socket. Node stops reading when it returns false; none does.
    fields[f.callback] = onRead;
    handle.useUserBuffer(this.buf);
    return true;
  }

  private onreadFields(socket: Socket): OnreadFields | null {
    if (this.fields === undefined) {
      const symbols = Object.getOwnPropertySymbols(socket);
      const buffer = symbols.find((s) => s.description === "kBuffer");
      const callback = symbols.find((s) => s.description === "kBufferCb");
      this.fields = buffer !== undefined && callback !== undefined ? { buffer, callback } : null;
    }
    return this.fields;
  }
}

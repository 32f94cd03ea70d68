/**
 * The `data` of the system account's CONNZ and SUBSZ replies (`$SYS.REQ.SERVER.PING.CONNZ`
 * and the like), built as the HTTP endpoints build them (in slices, under the server's
 * heavy-request gate), as compact JSON.
 */
import type { Server } from "../server/server.js";
import { connz, parseConnzOptions } from "./connz.js";
import { ListDocument, StringSink } from "./json-stream.js";
import { heavyGateOf } from "./slices.js";
import { subsz } from "./subsz.js";

export function systemZJson(server: Server, kind: "CONNZ" | "SUBSZ"): Promise<string> {
  return heavyGateOf(server).run(async (sl) => {
    const q = new URLSearchParams();
    const doc = kind === "CONNZ" ? await connz(server, parseConnzOptions(q), sl) : await subsz(server, q, sl);
    if (!(doc instanceof ListDocument)) return JSON.stringify(doc);
    const sink = new StringSink();
    await doc.writeTo(sink, false, sl);
    return sink.text();
  });
}

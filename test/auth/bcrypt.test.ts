/**
 * bcrypt passwords are checked in a worker thread: other clients are served while a
 * slow check runs, and what a client sent after its CONNECT waits for the verdict.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import bcrypt from "bcryptjs";
import { startServer } from "../../src/index.js";
import { RawConn } from "../helpers/raw.js";

test("a slow bcrypt check does not stall other clients; held input runs after it", async (t) => {
  // Cost 11: ~140 ms per check here, far longer than a PING round trip.
  const hash = bcrypt.hashSync("right", 11);
  const s = await startServer({
    port: 0,
    host: "127.0.0.1",
    authTimeoutMs: 20_000,
    users: [
      { user: "slow", password: hash },
      { user: "fast", password: "plain" },
    ],
  });
  t.after(() => s.close());

  const fast = await RawConn.connect(s.port);
  fast.send('CONNECT {"verbose":false,"user":"fast","pass":"plain"}\r\nPING\r\n');
  await fast.waitFor((d) => d.endsWith("PONG\r\n"));

  // Three bcrypt logins, two wrong, one right with more protocol in the same write.
  const events: string[] = [];
  const logins = await Promise.all([RawConn.connect(s.port), RawConn.connect(s.port), RawConn.connect(s.port)]);
  logins[0]!.send('CONNECT {"verbose":false,"user":"slow","pass":"wrong1"}\r\nPING\r\n');
  logins[1]!.send('CONNECT {"verbose":false,"user":"slow","pass":"wrong2"}\r\nPING\r\n');
  logins[2]!.send('CONNECT {"verbose":false,"user":"slow","pass":"right"}\r\nSUB x 1\r\nPUB x 2\r\nhi\r\nPING\r\n');
  const settled = logins.map((c, i) =>
    c.waitFor((d) => d.includes("PONG") || d.includes("-ERR"), 30_000).then(() => events.push(`login${i}`)),
  );

  // Meanwhile the fast client is answered at once.
  await new Promise((r) => setTimeout(r, 20));
  fast.send("PING\r\n");
  await fast.waitFor((d) => d.split("PONG").length === 3);
  events.push("fast");
  await Promise.all(settled);

  assert.equal(events[0], "fast", `order: ${events.join(", ")}`);
  assert.match(logins[0]!.data, /-ERR 'Authorization Violation'\r\n$/);
  assert.match(logins[1]!.data, /-ERR 'Authorization Violation'\r\n$/);
  // On a slow machine the server's first PING (2 s after accept) may come in between.
  assert.equal(logins[2]!.data.replace(/^INFO .*\r\n/, "").replaceAll("PING\r\n", ""), "MSG x 1 2\r\nhi\r\nPONG\r\n");

  // The verdict is remembered: the same user connects again without a second check.
  const again = await RawConn.connect(s.port);
  again.send('CONNECT {"verbose":false,"user":"slow","pass":"right"}\r\nPING\r\n');
  await again.waitFor((d) => d.endsWith("PONG\r\n"));
  for (const c of [fast, again, ...logins]) c.close();
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { mergeServices } from "../../src/monitor/services.js";

const info = (name: string, id: string, endpoints: string[]) => ({
  type: "io.nats.micro.v1.info_response",
  name,
  id,
  version: "1.0.0",
  description: `${name} svc`,
  endpoints: endpoints.map((e) => ({ name: e, subject: `${name}.${e}`, queue_group: "q" })),
});
const stats = (name: string, id: string, eps: Array<[string, number, number, number, string?]>) => ({
  type: "io.nats.micro.v1.stats_response",
  name,
  id,
  version: "1.0.0",
  started: "2024-01-01T00:00:00Z",
  endpoints: eps.map(([e, n, errs, ns, last]) => ({
    name: e,
    subject: `${name}.${e}`,
    num_requests: n,
    num_errors: errs,
    processing_time: ns,
    average_processing_time: n ? Math.round(ns / n) : 0,
    last_error: last,
  })),
});

test("mergeServices groups instances by name and sums their endpoint stats", () => {
  const merged = mergeServices(
    [info("calc", "A", ["add", "div"]), info("calc", "B", ["add", "div"]), info("geo", "C", ["area"])],
    [stats("calc", "A", [["add", 3, 0, 3000], ["div", 1, 1, 1000, "division by zero"]]), stats("calc", "B", [["add", 5, 0, 5000], ["div", 0, 0, 0]])],
  );
  assert.deepEqual(merged.map((s) => [s.name, s.instances.length]), [["calc", 2], ["geo", 1]]);
  const calc = merged[0]!;
  assert.equal(calc.numRequests, 9);
  assert.equal(calc.numErrors, 1);
  assert.equal(calc.lastError, "division by zero");
  assert.equal(calc.averageProcessingTimeNs, 1000);
  assert.deepEqual(calc.endpoints.map((e) => [e.name, e.numRequests, e.averageProcessingTimeNs]), [["add", 8, 1000], ["div", 1, 1000]]);
  assert.deepEqual(calc.instances.map((i) => [i.id, i.numRequests]), [["A", 4], ["B", 5]]);
  const geo = merged[1]!;
  assert.equal(geo.numRequests, 0, "an instance without stats still shows, with zeros");
  assert.equal(geo.endpoints[0]!.subject, "geo.area");
});

test("mergeServices ignores replies without a name or id", () => {
  assert.deepEqual(mergeServices([{ foo: 1 }, { id: "x" }], [{ name: "n" }]), []);
});

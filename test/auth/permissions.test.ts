/**
 * Permission matching and the per-connection caches, without sockets (nats-server
 * client.go canSubscribe / pubAllowedFullCheck semantics).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ConnectionPermissions,
  MAX_PERM_CACHE_SIZE,
  Permissions,
  splitPermSubject,
} from "../../src/auth/permissions.js";

describe("publish permissions", () => {
  test("no allow list allows all; deny wins", () => {
    const p = new Permissions({ publish: { deny: ["secret.>"] } });
    assert.equal(p.publishAllowed("foo"), true);
    assert.equal(p.publishAllowed("secret.x"), false);
    assert.equal(p.publishAllowed("secret"), true);
  });
  test("allow list with wildcards, deny overrides allow", () => {
    const p = new Permissions({ publish: { allow: ["foo.*", "bar.>"], deny: ["bar.baz"] } });
    assert.equal(p.publishAllowed("foo.a"), true);
    assert.equal(p.publishAllowed("foo.a.b"), false);
    assert.equal(p.publishAllowed("bar.a.b"), true);
    assert.equal(p.publishAllowed("bar.baz"), false);
    assert.equal(p.publishAllowed("baz"), false);
  });
  test("an empty allow list (allow_responses without publish) allows nothing", () => {
    const p = new Permissions({ publish: { allow: [] } });
    assert.equal(p.publishAllowed("anything"), false);
  });
});

describe("subscribe permissions", () => {
  test("wildcard subscriptions are checked like subjects against the allow list", () => {
    const p = new Permissions({ subscribe: { allow: ["foo.*", "_INBOX.>"] } });
    assert.equal(p.subscribeAllowed("foo.bar", null), true);
    assert.equal(p.subscribeAllowed("foo.*", null), true);
    assert.equal(p.subscribeAllowed("_INBOX.abc.def", null), true);
    assert.equal(p.subscribeAllowed("bar", null), false);
    assert.equal(p.subscribeAllowed(">", null), false);
  });
  test("queue entries: 'foo v1' allows only queue v1 on foo", () => {
    const p = new Permissions({ subscribe: { allow: ["foo v1", "bar"] } });
    assert.equal(p.subscribeAllowed("foo", "v1"), true);
    assert.equal(p.subscribeAllowed("foo", "v2"), false);
    assert.equal(p.subscribeAllowed("foo", null), false);
    assert.equal(p.subscribeAllowed("bar", "any"), true);
    assert.equal(p.subscribeAllowed("bar", null), true);
  });
  test("queue wildcards and deny with a queue", () => {
    const p = new Permissions({ subscribe: { allow: ["foo v1.*"], deny: ["baz q"] } });
    assert.equal(p.subscribeAllowed("foo", "v1.a"), true);
    assert.equal(p.subscribeAllowed("foo", "v2.a"), false);
    assert.equal(p.subscribeAllowed("baz", "q"), false);
  });
  test("deny subjects", () => {
    const p = new Permissions({ subscribe: { deny: ["secret.>"] } });
    assert.equal(p.subscribeAllowed("secret.a", null), false);
    assert.equal(p.subscribeAllowed("public", null), true);
  });
  test("a wildcard subscription overlapping a deny entry needs delivery filtering", () => {
    const p = new Permissions({ subscribe: { deny: ["foo.bar"] } });
    assert.equal(p.subscribeAllowed("foo.*", null), true);
    assert.equal(p.needsDeliveryFilter("foo.*"), true);
    assert.equal(p.needsDeliveryFilter("baz.*"), false);
    assert.equal(p.needsDeliveryFilter("foo.baz"), false);
    assert.equal(p.deliveryAllowed("foo.bar"), false);
    assert.equal(p.deliveryAllowed("foo.baz"), true);
  });
  test("splitPermSubject", () => {
    assert.deepEqual(splitPermSubject("q A"), { subject: "q", queue: "A" });
    assert.deepEqual(splitPermSubject("q"), { subject: "q", queue: null });
  });
});

describe("per-connection cache and allow_responses", () => {
  test("publish decisions are cached, bounded", () => {
    const cp = new ConnectionPermissions(new Permissions({ publish: { allow: ["a.>"] } }));
    for (let i = 0; i < MAX_PERM_CACHE_SIZE * 3; i++) cp.canPublish(`a.${i}`);
    assert.ok(cp.cacheSize <= MAX_PERM_CACHE_SIZE);
    assert.equal(cp.canPublish("a.1"), true);
    assert.equal(cp.canPublish("b"), false);
    assert.equal(cp.canPublish("b"), false);
  });
  test("no publish restriction: nothing is cached", () => {
    const cp = new ConnectionPermissions(new Permissions({ subscribe: { allow: ["x"] } }));
    assert.equal(cp.canPublish("anything"), true);
    assert.equal(cp.cacheSize, 0);
  });
  test("a granted reply may be published max times", () => {
    const cp = new ConnectionPermissions(new Permissions({ publish: { allow: [] }, allowResponses: { maxMsgs: 2, expiresMs: 0 } }));
    assert.equal(cp.canPublish("_INBOX.1"), false);
    cp.grantReply("_INBOX.1");
    assert.equal(cp.canPublish("_INBOX.1"), true);
    assert.equal(cp.canPublish("_INBOX.1"), true);
    assert.equal(cp.canPublish("_INBOX.1"), false);
    assert.equal(cp.replyCount, 0);
  });
  test("a granted reply expires", () => {
    let now = 1000;
    const cp = new ConnectionPermissions(
      new Permissions({ publish: { allow: [] }, allowResponses: { maxMsgs: 5, expiresMs: 100 } }),
      () => now,
    );
    cp.grantReply("r.1");
    now += 50;
    assert.equal(cp.canPublish("r.1"), true);
    now += 100;
    assert.equal(cp.canPublish("r.1"), false);
  });
  test("denied replies are not cached as denied once granted", () => {
    const cp = new ConnectionPermissions(new Permissions({ publish: { allow: ["x"] }, allowResponses: { maxMsgs: 1, expiresMs: 0 } }));
    assert.equal(cp.canPublish("r.2"), false);
    cp.grantReply("r.2");
    assert.equal(cp.canPublish("r.2"), true);
  });
});

describe("byte-keyed publish check", () => {
  test("agrees with canPublish, including reply grants that must not be cached", () => {
    const cp = new ConnectionPermissions(new Permissions({ publish: { allow: ["a.*"] }, allowResponses: { maxMsgs: 1, expiresMs: 0 } }));
    const b = (s: string): [Buffer, number, number] => {
      const buf = Buffer.from(`PUB ${s} 0`, "latin1");
      return [buf, 4, 4 + s.length];
    };
    assert.equal(cp.canPublishBytes(...b("a.x")), true);
    assert.equal(cp.canPublishBytes(...b("a.x")), true);
    assert.equal(cp.canPublishBytes(...b("b.x")), false);
    cp.grantReply("r.1");
    assert.equal(cp.canPublishBytes(...b("r.1")), true);
    assert.equal(cp.canPublishBytes(...b("r.1")), false);
    assert.equal(cp.canPublishBytes(...b("a.y")), true);
  });
});

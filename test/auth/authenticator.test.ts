/** Authentication decisions without sockets: order, no_auth_user, bcrypt, nkeys. */
import { test } from "node:test";
import assert from "node:assert/strict";
import bcrypt from "bcryptjs";
import { createUser } from "@nats-io/nkeys";
import { Authenticator, isAuthFailure, secretsEqual, type AuthResult } from "../../src/auth/authenticator.js";
import { resolveOptions } from "../../src/server/options.js";

function ok(r: ReturnType<Authenticator["authenticate"]>): AuthResult {
  assert.ok(!isAuthFailure(r), JSON.stringify(r));
  return r as AuthResult;
}

test("token", () => {
  const a = new Authenticator(resolveOptions({ authToken: "s3cr3t" }));
  assert.equal(a.required, true);
  ok(a.authenticate({ auth_token: "s3cr3t" }));
  assert.ok(isAuthFailure(a.authenticate({ auth_token: "nope" })));
  assert.ok(isAuthFailure(a.authenticate({})));
});

test("single user and password, plain and bcrypt", () => {
  const plain = new Authenticator(resolveOptions({ username: "u", password: "p" }));
  ok(plain.authenticate({ user: "u", pass: "p" }));
  assert.deepEqual(plain.authenticate({ user: "u", pass: "x" }), { detail: 'User "u"' });
  const hash = bcrypt.hashSync("p", 4);
  assert.ok(hash.startsWith("$2"));
  const hashed = new Authenticator(resolveOptions({ username: "u", password: hash }));
  ok(hashed.authenticate({ user: "u", pass: "p" }));
  assert.ok(isAuthFailure(hashed.authenticate({ user: "u", pass: hash })));
  assert.equal(secretsEqual("x", "$2a$04$broken"), false);
});

test("users list, accounts, permissions, no_auth_user", () => {
  const a = new Authenticator(
    resolveOptions({
      users: [{ user: "alice", password: "a", permissions: { publish: { allow: ["x"] } } }],
      accounts: [{ name: "B", users: [{ user: "bob", password: "b", account: "B" }] }],
      noAuthUser: "bob",
    }),
  );
  const alice = ok(a.authenticate({ user: "alice", pass: "a" }));
  assert.equal(alice.account, undefined);
  assert.equal(alice.permissions?.publishAllowed("x"), true);
  assert.equal(alice.permissions?.publishAllowed("y"), false);
  const bob = ok(a.authenticate({ user: "bob", pass: "b" }));
  assert.equal(bob.account, "B");
  assert.equal(bob.permissions, null);
  assert.equal(ok(a.authenticate({})).user, "bob");
  assert.ok(isAuthFailure(a.authenticate({ user: "alice", pass: "b" })));
  assert.ok(isAuthFailure(a.authenticate({ user: "carol", pass: "a" })));
});

test("no_auth_user naming nobody is refused at start", () => {
  assert.throws(() => new Authenticator(resolveOptions({ users: [{ user: "a", password: "a" }], noAuthUser: "zz" })), /no_auth_user: "zz" not present/);
});

test("nkeys: signature of the nonce", () => {
  const kp = createUser();
  const a = new Authenticator(resolveOptions({ users: [{ nkey: kp.getPublicKey() }] }));
  assert.equal(a.nonceRequired, true);
  const nonce = "abcdefghijklmno";
  const sig = Buffer.from(kp.sign(Buffer.from(nonce))).toString("base64url");
  assert.equal(ok(a.authenticate({ nkey: kp.getPublicKey(), sig }, nonce)).user, kp.getPublicKey());
  assert.ok(isAuthFailure(a.authenticate({ nkey: kp.getPublicKey(), sig }, "another-nonce-x")));
  assert.ok(isAuthFailure(a.authenticate({ nkey: createUser().getPublicKey(), sig }, nonce)));
  assert.ok(isAuthFailure(a.authenticate({ user: "x", pass: "y" }, nonce)));
});

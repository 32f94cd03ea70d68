/**
 * The per-file analysis, on source strings (no I/O): each rule of rules.ts, the scope
 * handling of scope.ts, and the import list. Findings are written `CAP@line detail`
 * so each case reads on one line.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { analyseSource } from "../../src/caps/analyse-file.js";

function findings(src: string): string[] {
  return analyseSource(src).findings.map((f) => `${f.capability}@${f.line} ${f.detail}`);
}
function imports(src: string): string[] {
  return analyseSource(src).imports.map((i) => `${i.specifier}@${i.line}`);
}

interface Case {
  name: string;
  src: string;
  want: string[];
}

const CASES: Case[] = [
  // FILES, member-level
  { name: "CJS destructuring with rename", src: "const { readFile: r } = require('fs');\nr('x');", want: ["FILES@1 fs.readFile", "FILES@2 fs.readFile"] },
  { name: "ESM namespace import with node: prefix", src: "import * as f from 'node:fs';\nf.readFileSync('x');", want: ["FILES@2 fs.readFileSync"] },
  { name: "default import, only constants", src: "import fs from 'fs';\nexport const m = fs.constants.O_RDONLY;", want: [] },
  { name: "named import of a benign member", src: "import { constants } from 'node:fs/promises';\nconstants.R_OK;", want: [] },
  { name: "named import of a capability", src: "import { writeFile } from 'fs/promises';", want: ["FILES@1 fs/promises.writeFile"] },
  { name: "fs.promises member chain", src: "const fs = require('fs');\nfs.promises.readFile('x');", want: ["FILES@2 fs.promises.readFile"] },
  { name: "computed member is conservative", src: "const fs = require('fs');\nfs[op]('x');", want: ["FILES@2 fs.*"] },
  { name: "module escaping whole", src: "const fs = require('fs');\nuse(fs);", want: ["FILES@2 fs"] },
  { name: "unused import is no capability", src: "const fs = require('fs');\nimport 'net';", want: [] },
  { name: "alias then use", src: "const a = require('fs');\nconst b = a;\nb.statSync('.');", want: ["FILES@3 fs.statSync"] },
  { name: "use before var (hoisting)", src: "function f() { return fs.readdirSync('.'); }\nvar fs = require('fs');", want: ["FILES@1 fs.readdirSync"] },
  { name: "shadowed by a parameter", src: "const fs = require('fs');\nfunction g(fs) { return fs.readFile(); }", want: [] },
  { name: "TypeScript CJS interop helpers", src: "const fs_1 = __importDefault(require('fs'));\n(0, fs_1.default.readFileSync)('x');", want: ["FILES@2 fs.readFileSync"] },
  { name: "babel interop", src: "var _fs = _interopRequireWildcard(require('fs'));\n_fs.unlinkSync('x');", want: ["FILES@2 fs.unlinkSync"] },
  { name: "require().member", src: "require('fs').mkdirSync('d');", want: ["FILES@1 fs.mkdirSync"] },
  { name: "awaited dynamic import destructured", src: "const { open } = await import('node:fs/promises');", want: ["FILES@1 fs/promises.open"] },
  { name: "unawaited dynamic import escapes", src: "import('fs').then((m) => m);", want: ["FILES@1 fs"] },
  { name: "re-export of a member", src: "export { readFile } from 'node:fs';\nexport { constants } from 'fs';", want: ["FILES@1 fs.readFile"] },
  { name: "re-export of a whole module", src: "export * from 'net';", want: ["NETWORK@1 net"] },
  { name: "export of a module binding", src: "import fs from 'fs';\nexport { fs };", want: ["FILES@2 fs"] },
  // NETWORK
  { name: "net, with a benign member", src: "const net = require('net');\nnet.isIP('1');\nnet.connect(1);", want: ["NETWORK@3 net.connect"] },
  { name: "http server", src: "import http from 'node:http';\nhttp.STATUS_CODES;\nhttp.createServer();", want: ["NETWORK@3 http.createServer"] },
  { name: "dns, tls, dgram, http2, https", src: "require('dns').lookup();\nrequire('tls').connect();\nrequire('dgram').createSocket();\nrequire('http2').connect();\nrequire('https').get();", want: ["NETWORK@1 dns.lookup", "NETWORK@2 tls.connect", "NETWORK@3 dgram.createSocket", "NETWORK@4 http2.connect", "NETWORK@5 https.get"] },
  { name: "global fetch and WebSocket", src: "fetch('u');\nnew WebSocket('ws://x');\nglobalThis.fetch('u');", want: ["NETWORK@1 fetch", "NETWORK@2 WebSocket", "NETWORK@3 fetch"] },
  { name: "typeof fetch and a parameter named fetch", src: "const ok = typeof fetch === 'function';\nfunction get(fetch) { return fetch('u'); }", want: [] },
  { name: "fetch passed on", src: "const f = opts.fetch || fetch;", want: ["NETWORK@1 fetch"] },
  // EXEC, RUNTIME
  { name: "child_process named import with rename", src: "import { spawn as run } from 'child_process';\nrun('ls');", want: ["EXEC@1 child_process.spawn", "EXEC@2 child_process.spawn"] },
  { name: "cluster, benign isPrimary", src: "const c = require('cluster');\nif (c.isPrimary) c.fork();", want: ["EXEC@2 cluster.fork"] },
  { name: "worker_threads, vm, v8, inspector", src: "const { Worker, isMainThread } = require('worker_threads');\nrequire('vm').runInNewContext('1');\nrequire('v8').setFlagsFromString('x');\nrequire('inspector').open();", want: ["RUNTIME@1 worker_threads.Worker", "RUNTIME@2 vm.runInNewContext", "RUNTIME@3 v8.setFlagsFromString", "RUNTIME@4 inspector.open"] },
  // ARBITRARY_EXECUTION
  { name: "non-literal require and import()", src: "require(name);\nimport(`./${x}.js`);\nrequire(`./fixed.js`);", want: ["ARBITRARY_EXECUTION@1 require(<expression>)", "ARBITRARY_EXECUTION@2 import(<expression>)"] },
  { name: "eval, indirect eval, new Function, Function()", src: "eval('1');\n(0, eval)('1');\nnew Function('a', 'return a');\nFunction('return this')();", want: ["ARBITRARY_EXECUTION@1 eval", "ARBITRARY_EXECUTION@2 eval", "ARBITRARY_EXECUTION@3 Function", "ARBITRARY_EXECUTION@4 Function"] },
  { name: "Function.prototype and instanceof are benign", src: "const call = Function.prototype.call;\nx instanceof Function;\ntypeof eval;", want: [] },
  { name: "Function.prototype.constructor is Function", src: "Function.prototype.constructor('x');", want: ["ARBITRARY_EXECUTION@1 Function.prototype.constructor"] },
  { name: "createRequire, and the require it makes", src: "import { createRequire } from 'node:module';\nconst req = createRequire(import.meta.url);\nreq('./data.json');\nreq(name);", want: ["ARBITRARY_EXECUTION@1 module.createRequire", "ARBITRARY_EXECUTION@2 module.createRequire", "ARBITRARY_EXECUTION@4 require(<expression>)"] },
  { name: "module.builtinModules is benign", src: "const { builtinModules } = require('module');", want: [] },
  { name: "process.binding and process.dlopen", src: "process.binding('fs');\nprocess.dlopen(m, f);", want: ["ARBITRARY_EXECUTION@1 process.binding", "ARBITRARY_EXECUTION@2 process.dlopen"] },
  { name: "UMD factory parameter named require", src: "(function (f) { f(require); })(function (require) { require(dyn); });", want: ["ARBITRARY_EXECUTION@1 require(<expression>)"] },
  // READ / MODIFY system state
  { name: "process.env reads", src: "if (process.env.DEBUG) x();\nconst { HOME } = process.env;\nconst e = process.env;\ne.PATH;", want: ["READ_SYSTEM_STATE@1 process.env.DEBUG", "READ_SYSTEM_STATE@2 process.env.HOME", "READ_SYSTEM_STATE@4 process.env.PATH"] },
  { name: "process.env writes", src: "process.env.A = '1';\ndelete process.env.B;\nObject.assign(process.env, o);\nconst e = process.env;\ne.C = '2';", want: ["MODIFY_SYSTEM_STATE@1 process.env.A (write)", "MODIFY_SYSTEM_STATE@2 process.env.B (write)", "MODIFY_SYSTEM_STATE@3 process.env (write)", "MODIFY_SYSTEM_STATE@5 process.env.C (write)"] },
  { name: "os module, EOL benign", src: "import os from 'os';\nos.EOL;\nos.hostname();\nos.setPriority(1);", want: ["READ_SYSTEM_STATE@3 os.hostname", "MODIFY_SYSTEM_STATE@4 os.setPriority"] },
  { name: "process exit, kill, chdir, umask", src: "process.exit(1);\nprocess.kill(1);\nprocess.chdir('/');\nprocess.umask(0);", want: ["MODIFY_SYSTEM_STATE@1 process.exit", "MODIFY_SYSTEM_STATE@2 process.kill", "MODIFY_SYSTEM_STATE@3 process.chdir", "MODIFY_SYSTEM_STATE@4 process.umask"] },
  { name: "process via import and global objects", src: "import { env, exit } from 'node:process';\nglobal.process.exit(0);", want: ["READ_SYSTEM_STATE@1 process.env", "MODIFY_SYSTEM_STATE@1 process.exit", "MODIFY_SYSTEM_STATE@2 process.exit"] },
  { name: "typeof process.exit and process.platform are benign", src: "typeof process.exit;\nprocess.platform;\nprocess.nextTick(f);", want: [] },
  { name: "a local named process is not the global", src: "function f(process) { process.exit(); }", want: [] },
  // parse failures
  { name: "a file that does not parse", src: "module.exports = {\n  a: 1,\n", want: ["UNANALYZED@3 parse error: Unexpected token (3:0)"] },
  { name: "TypeScript syntax is not JavaScript", src: "export const x: number = 1;", want: ["UNANALYZED@1 parse error: Unexpected token (1:14)"] },
  { name: "CJS with top-level return and with()", src: "if (a) return;\nwith (o) { process.exit(); }", want: ["MODIFY_SYSTEM_STATE@2 process.exit"] },
  { name: "hashbang", src: "#!/usr/bin/env node\nprocess.exit(0);", want: ["MODIFY_SYSTEM_STATE@2 process.exit"] },
];

describe("analyseSource", () => {
  for (const c of CASES) {
    test(c.name, () => {
      assert.deepEqual(findings(c.src), c.want);
    });
  }

  test("imports: static, re-export, require, import(), with lines; builtins included", () => {
    const src = [
      "import a from 'pkg-a';",
      "export * from '@scope/b/sub';",
      "const c = require('c');",
      "const d = await import('d');",
      "export { e } from './local.js';",
      "require(dynamic);",
      "module.require('f');",
    ].join("\n");
    assert.deepEqual(imports(src), ["pkg-a@1", "@scope/b/sub@2", "c@3", "d@4", "./local.js@5", "f@7"]);
  });

  test("a require shadowed by a local holding another value is not an import", () => {
    assert.deepEqual(imports("const require = (x) => x;\nrequire('not-a-module');"), ["not-a-module@2"]);
    assert.deepEqual(imports("const fs = require('fs');\nconst r = fs.readFileSync;\nr('x');"), ["fs@1"]);
  });

  test("windows and old-mac line endings count lines", () => {
    assert.deepEqual(findings("a;\r\nb;\rprocess.exit();"), ["MODIFY_SYSTEM_STATE@3 process.exit"]);
  });

  test("nesting too deep for the stack is UNANALYZED, not a crash", () => {
    const deep = `x = ${"f(".repeat(5000)}1${")".repeat(5000)};`;
    const r = analyseSource(deep);
    assert.equal(r.findings.length, 1);
    assert.equal(r.findings[0]?.capability, "UNANALYZED");
  });
});

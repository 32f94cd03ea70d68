#!/usr/bin/env node
/**
 * `node dist/src/cli/tsnats-server.js`, as tools and older scripts launch the server:
 * runs the bin, `tsnats-server.cjs`. The package's bin is the `.cjs` itself, which starts
 * faster (no ES module loader before the server's code runs).
 */
import "./tsnats-server.cjs";

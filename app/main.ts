#!/usr/bin/env node
// The `tsunagi` binary.
// first: caps V8's young generation before the other modules are evaluated
import './heap-first.js';
import { runCli } from '../src/cli/cli.js';
import { closeEncodePool, configureEncodePool } from '../src/exporterhelper/encode-pool.js';
import { keepWasmInBaselineTier } from '../src/memory/wasm-tier.js';
import { tierUpSooner } from '../src/runtime/tier-up.js';
import { encodeWorkerEntry } from './encode-worker-entry.js';
import { registry } from './registry.js';

// undici's HTTP parser (WebAssembly) recompiled by TurboFan costs a 30+ MiB transient: stay in Liftoff
keepWasmInBaselineTier();
// the per-request path runs in V8's baseline tier for many seconds at a few hundred requests/s
tierUpSooner();
// Exporters build large requests on worker threads when the machine has a core to spare.
configureEncodePool(encodeWorkerEntry());

runCli(process.argv.slice(2), registry).then(
  async (code) => {
    process.exitCode = code;
    await closeEncodePool();
    // A component that left a handle open must not keep a stopped process alive.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err) => {
    process.stderr.write(`Error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);

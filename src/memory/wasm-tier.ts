// Keeps WebAssembly in V8's baseline compiler (Liftoff) when the user set no wasm
// tiering flag. The only WebAssembly in Tsunagi is llhttp, the HTTP response
// parser of undici (the OTLP/HTTP, Loki, Elasticsearch ... exporters' client, and
// Node's fetch). Once it is hot, V8 recompiles its state machine, one very large
// function, with TurboFan, and that compile takes 30-35 MiB of compiler memory
// for about a second: measured with the memory trace of bench/lib/memory-trace.ts,
// V8's malloced memory went 1 -> 35 MiB and back in the OTLP traces relay
// (128 senders, otlp_http), which was most of the gap between its steady RSS and
// its peak (169 MiB peak against 134 MiB steady). With --liftoff-only it stays under
// 3 MiB. Liftoff code parses more slowly, but what it parses here are export
// responses (a status line, a few headers, a small body per batch of thousands of
// records), so the CPU cost does not show in the pipeline's CPU-s per million.
//
// V8 reads the flag when it compiles a module: set at start-up, before undici builds
// its parser (lazily, at its first connection). Any explicit wasm tiering flag
// (command line or NODE_OPTIONS) is the user's choice and is left alone;
// TSUNAGI_WASM_LIFTOFF_ONLY=0 turns this off.
import { setFlagsFromString } from 'node:v8';

/** True when the Node flags already choose how WebAssembly is tiered. */
export function wasmTierFlagGiven(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): boolean {
  const given = (s: string) => /--(no[-_])?(liftoff|wasm[-_]tier|wasm[-_]dynamic[-_]tiering)/.test(s);
  return execArgv.some(given) || given(nodeOptions);
}

/** Sets --liftoff-only unless a wasm tiering flag was given or TSUNAGI_WASM_LIFTOFF_ONLY=0; returns whether it did. */
export function keepWasmInBaselineTier(enabled = process.env.TSUNAGI_WASM_LIFTOFF_ONLY !== '0'): boolean {
  if (!enabled || wasmTierFlagGiven()) return false;
  setFlagsFromString('--liftoff-only');
  return true;
}

// Bundles the built binary (dist/app/main.js) and its dependencies into one
// file, dist/tsunagi.mjs: Node then loads one module instead of ~1000, which
// halves start-up CPU (0.83 -> 0.48 s measured for `tsunagi components`) and
// saves a few MiB of RSS. Native addons stay external (snappy). Run by
// `npm run build` / `prepare` / `npm test` after tsc.
// Whitespace is minified (comments go; names stay, so stack traces still name
// functions): V8 keeps the whole source in memory, and the minified one costs
// 5 MiB less RSS in every agent and gateway. Not minifySyntax: with it the agent
// bench took 8.3 instead of 6.8 CPU-s per million lines (median of 7 alternating
// runs). For readable line numbers run the unbundled build: node dist/app/main.js.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['snappy'],
  minifyWhitespace: true,
  // ASCII only (non-ASCII escaped, legal comments left out of the file): V8 keeps a source with one
  // character outside Latin-1 as a two-byte string, 8 MiB instead of 4 MiB resident in every process
  charset: 'ascii',
  legalComments: 'none',
  // CommonJS dependencies call require(); an ES module bundle has to provide it
  banner: {
    js: "import { createRequire as __tsunagiRequire } from 'node:module'; const require = __tsunagiRequire(import.meta.url);",
  },
  logLevel: 'warning',
};

await build({ ...common, entryPoints: ['dist/app/main.js'], outfile: 'dist/tsunagi.mjs' });
// The encode workers' script (src/exporterhelper/encode-pool.ts): only the builders
// that run off the event loop, found next to the binary (app/encode-worker-entry.ts).
await build({
  ...common,
  entryPoints: ['dist/app/encode-worker.js'],
  outfile: 'dist/tsunagi-encode-worker.mjs',
});

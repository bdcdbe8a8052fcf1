// One build for every bundle. esbuild does the work; this file only lists entry points, because
// the test suites are many files and a one-line package.json script cannot glob them portably.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const production = process.argv.includes('--production');
const out = path.join(root, 'dist');

function walk(dir, suffix) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) found.push(...walk(full, suffix));
    else if (name.endsWith(suffix)) found.push(full);
  }
  return found;
}

// ssh2 (through dockerode) requires optional native addons inside try/catch; bundling them is
// impossible, so make each require throw and let ssh2 fall back to pure JS (testing.md §5).
const nativeAddons = {
  name: 'native-addons',
  setup(build) {
    build.onResolve({ filter: /\.node$/ }, (args) => ({ path: args.path, namespace: 'native-addon' }));
    build.onLoad({ filter: /.*/, namespace: 'native-addon' }, () => ({
      contents: 'throw new Error("native addon not bundled");',
    }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  external: ['vscode'],
  loader: { '.py': 'text', '.yaml': 'text', '.toml': 'text', '.tmpl': 'text', '.md': 'text' },
  plugins: [nativeAddons],
  logLevel: 'warning',
  // ESM dependencies (web-tree-sitter) read import.meta.url, which a CommonJS bundle lacks.
  define: { 'import.meta.url': '__flopsImportMetaUrl' },
  banner: { js: 'const __flopsImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await Promise.all([
  esbuild.build({
    ...common,
    entryPoints: {
      extension: 'extension/main.ts',
      'editor-root': 'extension/editor-root.ts',
      cli: 'extension/cli/main.ts',
      'python-worker': 'extension/io/python-worker.ts',
    },
    // jsonc-parser's "main" is a UMD build whose internal requires esbuild cannot follow; bundle its ESM build.
    alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
    outdir: out,
  }),
  // The metrics panel's page (webview/): a browser bundle, minified always (its size is measured), with its stylesheet.
  esbuild.build({
    entryPoints: { 'webview/metrics': 'webview/main.ts', 'webview/metrics-style': 'webview/metrics.css' },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    minify: true,
    sourcemap: !production,
    legalComments: 'none',
    logLevel: 'warning',
    outdir: out,
  }),
  // The replay harness (webview/replay/): a static page next to the bundle that runs it from a recording.
  esbuild.build({ entryPoints: { 'webview-replay/replay': 'webview/replay/replay.ts' }, bundle: true, platform: 'browser', format: 'iife', target: 'chrome120', logLevel: 'warning', outdir: out }),
  esbuild.build({
    ...common,
    // Tests keep node_modules external so they exercise the installed packages.
    packages: 'external',
    external: ['vscode'],
    entryPoints: [
      ...walk(path.join(root, 'test'), '.test.ts'),
      ...walk(path.join(root, 'test/integration'), '.bench.ts'),
      ...['test/integration/index.ts', 'test/host/run-host-tests.ts', 'test/host/run-electron-tests.ts', 'test/bench/run-bench.ts', 'test/docker/prepare-images.ts', 'test/python/prepare-python.ts', 'test/fuzz/run-fuzz.ts', 'test/docker/run-cycles.ts', 'test/unit/fakes/fake-oakestra-main.ts']
        .map((p) => path.join(root, p))
        .filter((p) => { try { return statSync(p).isFile(); } catch { return false; } }),
    ],
    outbase: root,
    outdir: out,
  }),
]);

// web-tree-sitter and the Python grammar are WebAssembly loaded at run time from next to the bundle.
copyFileSync(path.join(root, 'node_modules/web-tree-sitter/web-tree-sitter.wasm'), path.join(out, 'web-tree-sitter.wasm'));
copyFileSync(path.join(root, 'node_modules/tree-sitter-python/tree-sitter-python.wasm'), path.join(out, 'tree-sitter-python.wasm'));

// The replay harness's page and theme variables.
mkdirSync(path.join(out, 'webview-replay'), { recursive: true });
for (const name of ['index.html', 'themes.css']) copyFileSync(path.join(root, 'webview/replay', name), path.join(out, 'webview-replay', name));

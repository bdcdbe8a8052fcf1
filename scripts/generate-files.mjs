// `npm run schemas`: writes the files generated from the core's zod schemas and templates
// (schemas/*.schema.json, snippets/flops.code-snippets) and the generated README sections. The source
// is TypeScript, so this bundles extension/core/generated-files.ts in memory with esbuild and runs it.
// Unit tests fail when the committed files differ from a fresh generation.
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const result = await esbuild.build({
  entryPoints: [path.join(root, 'extension/core/generated-files.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  packages: 'external',
  write: false,
  loader: { '.py': 'text', '.yaml': 'text', '.toml': 'text', '.tmpl': 'text', '.md': 'text' },
  logLevel: 'warning',
});
const module = { exports: {} };
const require = createRequire(path.join(root, 'package.json'));
new Function('module', 'exports', 'require', result.outputFiles[0].text)(module, module.exports, require);
const { generatedFiles, applyReadmeSections } = module.exports;

for (const file of generatedFiles()) {
  const target = path.join(root, file.path);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, file.content);
  console.log(`wrote ${file.path}`);
}
const readmePath = path.join(root, 'README.md');
writeFileSync(readmePath, applyReadmeSections(readFileSync(readmePath, 'utf8')));
console.log('updated the generated sections of README.md');

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { allRules } from '../../../extension/core/lint/rules/all-rules';
import { rulesMarkdown } from '../../../extension/core/lint/rules-markdown';
import { commandIds } from '../../../extension/ui/command-ids';
import { settingsSchema } from '../../../extension/ui/settings-schema';
import { repoRoot } from '../repo-paths';

interface PackageJson {
  engines: Record<string, string>;
  activationEvents: string[];
  devDependencies: Record<string, string>;
  contributes: {
    commands: { command: string; title: string; category: string }[];
    configuration: { properties: Record<string, { default: unknown }> };
    jsonValidation: { url: string }[];
    snippets: { path: string }[];
  };
}

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as PackageJson;

describe('package.json, README and code agree', () => {
  it('declares exactly the commands the extension registers', () => {
    assert.deepEqual(pkg.contributes.commands.map((c) => c.command).sort(), Object.values(commandIds).sort());
    for (const c of pkg.contributes.commands) assert.equal(c.category, 'FLOps');
  });

  it('declares exactly the settings the settings schema parses, with the same defaults', () => {
    const declared = Object.keys(pkg.contributes.configuration.properties).map((k) => k.replace(/^flops\./, ''));
    assert.deepEqual(declared.sort(), Object.keys(settingsSchema.shape).sort());
    const defaults = settingsSchema.parse({}) as Record<string, unknown>;
    for (const [key, prop] of Object.entries(pkg.contributes.configuration.properties)) {
      assert.deepEqual(prop.default, defaults[key.replace(/^flops\./, '')], key);
    }
  });

  it('activates only on workspace markers and to restore a metrics panel, never on *', () => {
    assert.ok(!pkg.activationEvents.includes('*'));
    assert.ok(pkg.activationEvents.every((e) => e.startsWith('workspaceContains:') || e === 'onWebviewPanel:flops.metrics'), pkg.activationEvents.join(', '));
  });

  it('pins @types/vscode to the engines.vscode floor, no newer than code-server 1.139', () => {
    const floor = /^\^(\d+\.\d+\.\d+)$/.exec(pkg.engines['vscode'] ?? '')?.[1];
    assert.ok(floor, 'engines.vscode is a caret range');
    assert.equal(pkg.devDependencies['@types/vscode'], floor);
    const [major, minor] = floor.split('.').map(Number);
    assert.ok(major === 1 && (minor ?? 0) <= 139);
  });

  it('README documents every command and setting', () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    for (const c of pkg.contributes.commands) assert.ok(readme.includes(`\`${c.command}\``), c.command);
    for (const key of Object.keys(pkg.contributes.configuration.properties)) assert.ok(readme.includes(`\`${key}\``), key);
  });

  it('README rule reference matches the rules (run `npm run docs` after changing a rule)', () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('<!-- rules:start -->') + '<!-- rules:start -->'.length + 1, readme.indexOf('<!-- rules:end -->'));
    assert.equal(section, rulesMarkdown(allRules.map((r) => r.meta)));
  });
});

describe('packaging (.vscodeignore)', () => {
  /** `.vscodeignore` is "ignore everything, then re-include": each bundle must be re-included. */
  const reincluded = readFileSync(path.join(repoRoot, '.vscodeignore'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('!'))
    .map((l) => new RegExp(`^${l.slice(1).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '<globstar>').replace(/\*/g, '[^/]*').replace(/<globstar>/g, '.*')}$`));
  const shipped = (file: string): boolean => reincluded.some((r) => r.test(file));

  it('ships every runtime bundle and WebAssembly file the extension loads, and no test bundle', () => {
    for (const file of ['dist/extension.js', 'dist/editor-root.js', 'dist/cli.js', 'dist/python-worker.js', 'dist/web-tree-sitter.wasm', 'dist/tree-sitter-python.wasm', 'dist/webview/metrics.js', 'dist/webview/metrics-style.css']) {
      assert.ok(shipped(file), `${file} is packaged`);
    }
    assert.ok(!shipped('dist/test/unit/cli.test.js'));
    assert.ok(!shipped('dist/extension.js.map'));
    assert.ok(!shipped('dist/webview-replay/replay.js'), 'the replay harness is for tests only');
  });

  it('ships the contributed schemas and snippets', () => {
    for (const c of [...pkg.contributes.jsonValidation.map((j) => j.url), ...pkg.contributes.snippets.map((s) => s.path)]) {
      assert.ok(shipped(c.replace(/^\.\//, '')), `${c} is packaged`);
    }
  });
});

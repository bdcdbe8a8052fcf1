import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FlError } from '../../../extension/core/errors';
import type { PyClass, PyFunction, PyModule } from '../../../extension/core/python/python-model';
import type { SourceFile } from '../../../extension/core/ports';
import { PythonPool } from '../../../extension/io/python-pool';
import { decodeSource } from '../../../extension/io/repo-reader';
import { pool } from '../lint-fixture';
import { distDir, fixturesDir, repoRoot } from '../repo-paths';

async function analyze(text: string, detail: PyModule['detail'] = 'full'): Promise<PyModule> {
  const [module] = await pool.analyze([{ path: 'probe.py', text }], { detail });
  assert.ok(module);
  return module;
}

function classNamed(module: PyModule, name: string): PyClass {
  const found = module.classes.find((c) => c.name === name);
  assert.ok(found, `no class ${name}; have ${module.classes.map((c) => c.name).join(', ')}`);
  return found;
}

function methodNamed(cls: PyClass, name: string): PyFunction {
  const found = cls.methods.find((m) => m.name === name);
  assert.ok(found, `no method ${name}; have ${cls.methods.map((m) => m.name).join(', ')}`);
  return found;
}

const lines = (...l: string[]): string => `${l.join('\n')}\n`;

describe('python analyzer (PythonPool over tree-sitter)', () => {
  describe('imports', () => {
    const source = lines(
      'import a.b as c',
      'import os, sys as system',
      'from .x import y',
      'from ..pkg.mod import z',
      'from . import sibling',
      'from x import (a, b as c)',
      'from m import *',
      '',
      'def load():',
      '    import inner.mod',
      '    from lazy import thing',
      '    return thing',
    );

    it('reads plain, aliased, relative, parenthesised and star imports with their ranges', async () => {
      const module = await analyze(source);
      const top = module.imports.filter((i) => i.range.start.line < 8);
      assert.deepEqual(
        top.map(({ kind, module: m, level, names, alias, range }) => ({ kind, module: m, level, names, alias, line: range.start.line })),
        [
          { kind: 'import', module: 'a.b', level: 0, names: [], alias: 'c', line: 0 },
          { kind: 'import', module: 'os', level: 0, names: [], alias: undefined, line: 1 },
          { kind: 'import', module: 'sys', level: 0, names: [], alias: 'system', line: 1 },
          { kind: 'from', module: 'x', level: 1, names: [{ name: 'y' }], alias: undefined, line: 2 },
          { kind: 'from', module: 'pkg.mod', level: 2, names: [{ name: 'z' }], alias: undefined, line: 3 },
          { kind: 'from', module: '', level: 1, names: [{ name: 'sibling' }], alias: undefined, line: 4 },
          { kind: 'from', module: 'x', level: 0, names: [{ name: 'a' }, { name: 'b', alias: 'c' }], alias: undefined, line: 5 },
          { kind: 'from', module: 'm', level: 0, names: [{ name: '*' }], alias: undefined, line: 6 },
        ],
      );
      // The range is the whole statement, so a fix can delete it.
      assert.deepEqual(top[0]?.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 15 } });
      // `alias` is absent, not undefined, on unaliased imports (exactOptionalPropertyTypes).
      assert.equal(Object.hasOwn(top[1] ?? {}, 'alias'), false);
    });

    it('finds imports inside functions at full detail only', async () => {
      const nested = (m: PyModule): string[] => m.imports.filter((i) => i.range.start.line >= 8).map((i) => `${i.kind} ${i.module}`);
      assert.deepEqual(nested(await analyze(source, 'full')), ['import inner.mod', 'from lazy']);
      const outline = await analyze(source, 'outline');
      assert.equal(outline.detail, 'outline');
      assert.deepEqual(nested(outline), []);
      assert.equal(outline.imports.length, 8, 'outline keeps every top-level import');
    });

    it('keeps imports under top-level if/try blocks, once each', async () => {
      const module = await analyze(lines('try:', '    import torch', 'except ImportError:', '    torch = None', 'if torch:', '    from torch import nn'));
      assert.deepEqual(module.imports.map((i) => i.module), ['torch', 'torch']);
      assert.deepEqual(module.imports.map((i) => i.kind), ['import', 'from']);
    });
  });

  describe('classes and functions', () => {
    const source = lines(
      'import torch.nn as nn',
      '',
      'class Net(nn.Module, Base, metaclass=Meta):',
      '    scale = 2',
      '    fit_model = _fit',
      '',
      '    @staticmethod',
      '    def stat(x, y=1, *args, k, j=2, **kw):',
      '        return',
      '',
      '    @functools.lru_cache(maxsize=None)',
      '    async def fetch(self, url: str, timeout: float = 1.0) -> bytes:',
      '        return None',
      '',
      '    def pair(self, a, /, b, *, c):',
      '        if a:',
      '            return a, b',
      '        def inner():',
      '            return 1, 2, 3',
      '        return [a]',
      '',
      '    def nothing(self):',
      '        pass',
      '',
      'def helper(*, only_kw, **options):',
      '    return 1, 2, 3',
    );

    it('reads class names, dotted bases (not keyword arguments), class-level names and ranges', async () => {
      const module = await analyze(source);
      const net = classNamed(module, 'Net');
      assert.deepEqual(net.bases, ['nn.Module', 'Base']);
      assert.deepEqual(net.classAssigns, ['scale', 'fit_model']);
      assert.deepEqual(net.methods.map((m) => m.name), ['stat', 'fetch', 'pair', 'nothing']);
      assert.deepEqual(net.nameRange, { start: { line: 2, character: 6 }, end: { line: 2, character: 9 } });
      assert.equal(net.range.start.line, 2);
      assert.equal(net.lastLine, 22);
      assert.equal(net.bodyIndent, '    ');
      assert.deepEqual(module.functions.map((f) => f.name), ['helper']);
    });

    it('reads parameters: defaults, *args, keyword-only, **kwargs', async () => {
      const net = classNamed(await analyze(source), 'Net');
      assert.deepEqual(methodNamed(net, 'stat').params, [
        { name: 'x', kind: 'positional', hasDefault: false },
        { name: 'y', kind: 'positional', hasDefault: true },
        { name: 'args', kind: 'varargs', hasDefault: true },
        { name: 'k', kind: 'keywordOnly', hasDefault: false },
        { name: 'j', kind: 'keywordOnly', hasDefault: true },
        { name: 'kw', kind: 'kwargs', hasDefault: true },
      ]);
      assert.deepEqual(methodNamed(net, 'fetch').params, [
        { name: 'self', kind: 'positional', hasDefault: false },
        { name: 'url', kind: 'positional', hasDefault: false },
        { name: 'timeout', kind: 'positional', hasDefault: true },
      ]);
      assert.deepEqual(
        methodNamed(net, 'pair').params.map((p) => `${p.name}:${p.kind}`),
        ['self:positional', 'a:positional', 'b:positional', 'c:keywordOnly'],
      );
    });

    it('reads decorators by dotted name without arguments, and async', async () => {
      const net = classNamed(await analyze(source), 'Net');
      assert.deepEqual(methodNamed(net, 'stat').decorators, ['staticmethod']);
      assert.equal(methodNamed(net, 'stat').isAsync, false);
      assert.deepEqual(methodNamed(net, 'fetch').decorators, ['functools.lru_cache']);
      assert.equal(methodNamed(net, 'fetch').isAsync, true);
      assert.deepEqual(methodNamed(net, 'nothing').decorators, []);
    });

    it('reads returns: tuple length, bare return, None, and none at all; not those of nested functions', async () => {
      const module = await analyze(source);
      const net = classNamed(module, 'Net');
      const stat = methodNamed(net, 'stat');
      assert.equal(stat.returns.length, 1);
      assert.equal(stat.returns[0]?.value, undefined, 'a bare return has no value');
      assert.equal(methodNamed(net, 'fetch').returns[0]?.value?.kind, 'none');
      const pair = methodNamed(net, 'pair');
      assert.deepEqual(pair.returns.map((r) => r.value?.kind), ['tuple', 'list'], 'inner() returns must not count');
      assert.deepEqual(pair.returns[0]?.value?.elements?.map((e) => e.text), ['a', 'b']);
      assert.deepEqual(pair.returns[0]?.range, { start: { line: 16, character: 12 }, end: { line: 16, character: 23 } });
      assert.deepEqual(methodNamed(net, 'nothing').returns, []);
      const helper = module.functions[0];
      assert.ok(helper);
      assert.equal(helper.returns[0]?.value?.kind, 'tuple');
      assert.equal(helper.returns[0]?.value?.elements?.length, 3);
      assert.deepEqual(helper.params.map((p) => `${p.name}:${p.kind}`), ['only_kw:keywordOnly', 'options:kwargs']);
    });
  });

  describe('attribute use on self and calls', () => {
    const source = lines(
      'class ModelManager:',
      '    def state(self):',
      '        (self.a, self.b), c = make()',
      '        [self.p, self.q] = pair()',
      '        self.count += 1',
      '        self.model.coef_ = self.weights.T',
      '        self.first = self.second = 0',
      '        x: int = self.y',
      '        self.fit(self.data.x)',
      '        self.model.fit(x)',
      '        torch.nn.functional.relu(x)',
      '        Net().to(x)',
      '        return self.a',
    );

    it('records writes, tuple and list targets and chained assignments included', async () => {
      const state = methodNamed(classNamed(await analyze(source), 'ModelManager'), 'state');
      assert.deepEqual([...state.selfWrites].sort(), ['a', 'b', 'count', 'first', 'model.coef_', 'p', 'q', 'second']);
    });

    it('records reads as whole chains, and no write target as a read', async () => {
      const state = methodNamed(classNamed(await analyze(source), 'ModelManager'), 'state');
      for (const read of ['weights.T', 'y', 'data.x', 'a']) assert.ok(state.selfReads.includes(read), `${read} not in ${state.selfReads.join(', ')}`);
      for (const written of ['b', 'p', 'q', 'model.coef_', 'first', 'second']) {
        assert.ok(!state.selfReads.includes(written), `${written} is only written, but recorded as read`);
      }
    });

    it('records methods called on self, and every callee as dotted text', async () => {
      const module = await analyze(source);
      const state = methodNamed(classNamed(module, 'ModelManager'), 'state');
      assert.deepEqual(state.selfCalls, ['fit'], 'self.model.fit() is not a call of a method of self');
      assert.deepEqual(state.calls.map((c) => c.callee), ['make', 'pair', 'self.fit', 'self.model.fit', 'torch.nn.functional.relu', 'Net().to', 'Net']);
      assert.deepEqual(state.calls.find((c) => c.callee === 'torch.nn.functional.relu')?.range, {
        start: { line: 10, character: 8 },
        end: { line: 10, character: 35 },
      });
      // Module-level calls include those of methods, for rules that ask "is X ever called?".
      assert.ok(module.calls.some((c) => c.callee === 'torch.nn.functional.relu'));
    });

    it('leaves bodies out at outline detail', async () => {
      const outline = await analyze(source, 'outline');
      assert.equal(outline.calls.length, 0);
      for (const fn of outline.classes.flatMap((c) => c.methods)) {
        assert.deepEqual([fn.calls, fn.selfReads, fn.selfWrites, fn.returns], [[], [], [], []]);
      }
    });
  });

  describe('positions', () => {
    it('locates syntax errors with 0-based lines and characters', async () => {
      const module = await analyze(lines('import os', '', '', 'x = = 1'));
      assert.equal(module.syntaxErrors.length, 1);
      assert.deepEqual(module.syntaxErrors[0]?.range, { start: { line: 3, character: 4 }, end: { line: 3, character: 5 } });
      assert.match(module.syntaxErrors[0]?.message ?? '', /=/);
    });

    it('reports a missing token at the line where it is missing', async () => {
      const module = await analyze(lines('import os', '', 'def f(:', '    pass'));
      assert.equal(module.syntaxErrors[0]?.range.start.line, 2);
      assert.match(module.syntaxErrors[0]?.message ?? '', /missing|invalid syntax/);
    });

    it('still models what parsed around a syntax error', async () => {
      const module = await analyze(lines('import numpy as np', 'class ModelManager:', '    def fit_model(self):', '        return a b c', '    def get_model(self):', '        return self.model'));
      assert.ok(module.syntaxErrors.length > 0);
      assert.deepEqual(module.imports.map((i) => i.module), ['numpy']);
      assert.ok(classNamed(module, 'ModelManager').methods.some((m) => m.name === 'get_model'));
    });

    it('has no syntax errors for valid code', async () => {
      assert.deepEqual((await analyze(lines('def ok():', '    return 1'))).syntaxErrors, []);
    });

    it('counts characters in UTF-16 code units on non-ASCII lines', async () => {
      const first = 's = "é€😀"; foo(1)';
      const second = 'bar = "日本"; baz(); x = = 1';
      const module = await analyze(lines(first, second));
      const foo = module.calls.find((c) => c.callee === 'foo');
      const baz = module.calls.find((c) => c.callee === 'baz');
      assert.ok(foo && baz);
      assert.deepEqual(foo.range.start, { line: 0, character: first.indexOf('foo') });
      assert.deepEqual(foo.range.end, { line: 0, character: first.indexOf('foo') + 'foo(1)'.length });
      assert.deepEqual(baz.range.start, { line: 1, character: second.indexOf('baz') });
      assert.equal(module.syntaxErrors[0]?.range.start.character, second.lastIndexOf('='));
    });
  });

  describe('batches', () => {
    /** Every readable .py file of the fixtures, the examples and the templates: more than one batch's worth. */
    function corpus(): SourceFile[] {
      const files: SourceFile[] = [];
      const walk = (dir: string): void => {
        for (const name of readdirSync(dir)) {
          const full = path.join(dir, name);
          if (statSync(full).isDirectory()) walk(full);
          else if (name.endsWith('.py')) {
            const decoded = decodeSource(readFileSync(full));
            if (decoded.kind === 'text') files.push({ path: path.relative(repoRoot, full), text: decoded.text });
          }
        }
      };
      for (const dir of [fixturesDir, path.join(repoRoot, 'examples'), path.join(repoRoot, 'extension/core/generate/templates')]) walk(dir);
      return files;
    }

    const pools: PythonPool[] = [];
    let scratch: string | undefined;
    after(() => {
      for (const p of pools) p.dispose();
      if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
    });

    it('gives the same modules, in input order, for one large batch (worker threads) as for small ones', async () => {
      const files = corpus();
      assert.ok(files.length > 64, `only ${files.length} files: the batch would not reach the worker threads`);
      // Two workers whatever the machine, so the large batch is split even on one core.
      const threaded = new PythonPool({ wasmDir: distDir, workers: 2 });
      pools.push(threaded);
      for (const detail of ['full', 'outline'] as const) {
        const large = await threaded.analyze(files, { detail });
        const small: PyModule[] = [];
        for (let i = 0; i < files.length; i += 16) small.push(...(await pool.analyze(files.slice(i, i + 16), { detail })));
        assert.equal(large.length, files.length);
        assert.deepEqual(large, small, `${detail}: worker results differ from local ones`);
      }
    });

    it('sends a batch of 64 files or more to worker threads, and keeps smaller ones on the calling thread', async () => {
      // A wasm folder without python-worker.js: only a batch that goes to a worker can fail.
      scratch = mkdtempSync(path.join(tmpdir(), 'flops-pool-'));
      for (const name of ['web-tree-sitter.wasm', 'tree-sitter-python.wasm']) copyFileSync(path.join(distDir, name), path.join(scratch, name));
      const noWorkers = new PythonPool({ wasmDir: scratch, workers: 2 });
      pools.push(noWorkers);
      const batch = (n: number): SourceFile[] => Array.from({ length: n }, (_, i) => ({ path: `m${i}.py`, text: `x${i} = ${i}\n` }));
      assert.equal((await noWorkers.analyze(batch(63), { detail: 'outline' })).length, 63);
      await assert.rejects(noWorkers.analyze(batch(64), { detail: 'outline' }), (error: unknown) => {
        assert.ok(error instanceof FlError, String(error));
        assert.equal(error.kind, 'parserUnavailable');
        return true;
      });
    });

    it('throws FlError cancelled for an aborted signal, on either path', async () => {
      const isCancelled = (error: unknown): boolean => error instanceof FlError && error.kind === 'cancelled';
      await assert.rejects(pool.analyze([{ path: 'a.py', text: 'x = 1\n' }], { detail: 'full', signal: AbortSignal.abort() }), isCancelled);
      const many = Array.from({ length: 70 }, (_, i) => ({ path: `m${i}.py`, text: `x = ${i}\n` }));
      await assert.rejects(pool.analyze(many, { detail: 'full', signal: AbortSignal.abort() }), isCancelled);
    });
  });
});

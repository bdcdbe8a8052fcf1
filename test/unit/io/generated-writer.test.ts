import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyPlan, planInFolder } from '../../../extension/io/generated-writer';

describe('io: writing generated files safely', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'flops-writer-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const files = [
    { path: 'pkg/a.py', content: 'a = 1\n' },
    { path: 'b.toml', content: 'b = 1\n' },
  ];

  async function generate(generated = files, overwriteEdited = false): Promise<Awaited<ReturnType<typeof planInFolder>>> {
    const outcome = await planInFolder(dir, generated, { overwriteEdited });
    await applyPlan(dir, outcome.plan);
    return outcome;
  }

  it('writes the files and a manifest of their hashes', async () => {
    await generate();
    assert.equal(readFileSync(path.join(dir, 'pkg/a.py'), 'utf8'), 'a = 1\n');
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { files: Record<string, string> };
    assert.deepEqual(Object.keys(manifest.files), ['b.toml', 'pkg/a.py']);
  });

  it('regenerating without changes touches nothing', async () => {
    await generate();
    const names = ['pkg/a.py', 'b.toml', 'manifest.json'];
    // Timestamps far in the past, so that any rewrite would show.
    const past = new Date('2020-01-01T00:00:00Z');
    for (const p of names) utimesSync(path.join(dir, p), past, past);
    const outcome = await generate();
    assert.equal(outcome.drift, false);
    assert.deepEqual(outcome.plan.writes, []);
    for (const p of names) assert.equal(statSync(path.join(dir, p)).mtimeMs, past.getTime(), p);
  });

  it('never overwrites a file the user edited, reports it, and replaces it only when asked', async () => {
    await generate();
    writeFileSync(path.join(dir, 'pkg/a.py'), 'a = 2  # my change\n');
    const changed = [{ path: 'pkg/a.py', content: 'a = 3\n' }, { path: 'b.toml', content: 'b = 2\n' }];
    const outcome = await generate(changed);
    assert.ok(outcome.drift);
    assert.deepEqual(outcome.plan.files, [{ path: 'pkg/a.py', action: 'keep-edited' }, { path: 'b.toml', action: 'update' }]);
    assert.equal(readFileSync(path.join(dir, 'pkg/a.py'), 'utf8'), 'a = 2  # my change\n');
    assert.equal(readFileSync(path.join(dir, 'b.toml'), 'utf8'), 'b = 2\n');
    // Still reported on the next run.
    assert.equal((await generate(changed)).plan.files.find((f) => f.path === 'pkg/a.py')?.action, 'keep-edited');
    await generate(changed, true);
    assert.equal(readFileSync(path.join(dir, 'pkg/a.py'), 'utf8'), 'a = 3\n');
    assert.equal((await generate(changed)).drift, false);
  });

  it('detects drift without writing (--check)', async () => {
    await generate();
    const outcome = await planInFolder(dir, [{ path: 'pkg/a.py', content: 'a = 9\n' }, ...files.slice(1)]);
    assert.ok(outcome.drift);
    assert.equal(readFileSync(path.join(dir, 'pkg/a.py'), 'utf8'), 'a = 1\n');
  });

  it('does not write through a link in place of a generated file', async () => {
    const outside = path.join(dir, 'outside.txt');
    writeFileSync(outside, 'keep me\n');
    const out = path.join(dir, 'out');
    const first = await planInFolder(out, files);
    await applyPlan(out, first.plan);
    rmSync(path.join(out, 'b.toml'));
    symlinkSync(outside, path.join(out, 'b.toml'));
    const outcome = await planInFolder(out, [{ path: 'pkg/a.py', content: 'a = 1\n' }, { path: 'b.toml', content: 'b = 2\n' }]);
    await applyPlan(out, outcome.plan);
    assert.equal(outcome.plan.files.find((f) => f.path === 'b.toml')?.action, 'keep-edited');
    assert.equal(readFileSync(outside, 'utf8'), 'keep me\n');
  });
});

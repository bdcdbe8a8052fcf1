import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lintDir } from '../../lint-fixture';
import { fixturesDir } from '../../repo-paths';

/**
 * The conda version rules read constraints through one interval parser (core/config/version-interval.ts):
 * bounds at the edge of FLOps' pins, conda's prefix `=`, build strings, both dialects.
 */
describe('lint: conda version constraints at the edges', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'flops-conda-bounds-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  async function rulesFor(name: string, pydantic: string, python = 'python=3.10.14'): Promise<string[]> {
    const dir = path.join(scratch, name);
    cpSync(path.join(fixturesDir, 'conda-pin-conflict-pydantic'), dir, { recursive: true });
    const conda = readFileSync(path.join(dir, 'conda.yaml'), 'utf8').replace('  - pydantic=1.10', pydantic).replace('  - python=3.10.14', `  - ${python}`);
    writeFileSync(path.join(dir, 'conda.yaml'), conda);
    return (await lintDir(dir)).map((f) => f.rule).filter((r) => r === 'flops/conda-pin-conflict' || r === 'flops/conda-python-version');
  }

  it('an exclusive upper bound at the pin\'s lower bound conflicts; one above it does not', async () => {
    assert.deepEqual(await rulesFor('below', '  - pydantic<2.7.1'), ['flops/conda-pin-conflict']);
    assert.deepEqual(await rulesFor('inside', '  - pydantic>=2.7.1,<2.8'), []);
    assert.deepEqual(await rulesFor('upto', '  - pydantic<=2.7.1'), []);
    assert.deepEqual(await rulesFor('pip-exact', '  - pip:\n    - pydantic==2.7.3'), []);
    assert.deepEqual(await rulesFor('pip-old', '  - pip:\n    - pydantic==2.6.4'), ['flops/conda-pin-conflict']);
  });

  it('reads conda\'s prefix "=" and build strings for the Python pin', async () => {
    assert.deepEqual(await rulesFor('py310', '  - pydantic=2.7', 'python=3.10'), []);
    assert.deepEqual(await rulesFor('py39', '  - pydantic=2.7', 'python=3.9'), ['flops/conda-python-version']);
    assert.deepEqual(await rulesFor('py-build', '  - pydantic=2.7', 'python=3.9.18=h955ad1f_0'), ['flops/conda-python-version']);
    assert.deepEqual(await rulesFor('py-upto', '  - pydantic=2.7', 'python<=3.11'), ['flops/conda-python-version']);
  });
});

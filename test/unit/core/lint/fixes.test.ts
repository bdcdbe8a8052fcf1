import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyFix } from '../../apply-fix';
import { lintDir } from '../../lint-fixture';
import { fixturesDir } from '../../repo-paths';

/** Each quick fix, applied to a copy of its fixture, must make its finding go away and add no error. */
const cases: { fixture: string; rule: string; title: RegExp }[] = [
  { fixture: 'model-manager-missing', rule: 'flops/model-manager-file', title: /^Create model_manager.py/ },
  { fixture: 'model-manager-nested', rule: 'flops/model-manager-file', title: /^Move src\/model_manager.py/ },
  { fixture: 'conda-missing', rule: 'flops/conda-file', title: /^Create conda.yaml/ },
  { fixture: 'conda-near-miss', rule: 'flops/conda-file', title: /^Rename environment.yml/ },
  { fixture: 'data-manager-missing', rule: 'flops/data-manager-missing', title: /^Create data_manager.py/ },
  { fixture: 'model-manager-methods-missing', rule: 'flops/model-manager-methods', title: /^Add evaluate_model/ },
  { fixture: 'model-manager-class-misnamed', rule: 'flops/model-manager-class', title: /^Rename class/ },
  { fixture: 'conda-owned-pip', rule: 'flops/conda-owned-pip', title: /^Move packaging/ },
  { fixture: 'conda-python-too-old', rule: 'flops/conda-python-version', title: /^Pin python/ },
  { fixture: 'reserved-file', rule: 'flops/reserved-file', title: /^Rename main.py/ },
  { fixture: 'shadowed-datasets-module', rule: 'flops/shadowed-module', title: /^Rename to my_datasets/ },
  { fixture: 'mlflow-import', rule: 'flops/mlflow-import', title: /^Remove the mlflow import/ },
  { fixture: 'flavor-mismatch', rule: 'flops/flavor-mismatch', title: /^Set ml_model_flavor/ },
  { fixture: 'unsupported-flavor-tensorflow', rule: 'flops/unsupported-flavor', title: /^Use "keras"/ },
  { fixture: 'repo-url-git-suffix', rule: 'flops/repo-url', title: /^Use https/ },
  { fixture: 'dataset-columns-unknown', rule: 'flops/dataset-columns', title: /^Use "image"/ },
  { fixture: 'project-config-unknown-key', rule: 'flops/project-config', title: /^Rename to "training_rounds"/ },
];

describe('quick fixes', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'flops-fixes-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  for (const c of cases) {
    it(`${c.rule}: "${c.title.source}" on ${c.fixture}`, async () => {
      const dir = path.join(scratch, c.fixture);
      cpSync(path.join(fixturesDir, c.fixture), dir, { recursive: true });
      const before = await lintDir(dir);
      const finding = before.find((f) => f.rule === c.rule);
      assert.ok(finding, `${c.rule} not reported on ${c.fixture}`);
      const fix = finding.fixes.find((f) => c.title.test(f.title));
      assert.ok(fix, `no fix matching ${c.title.source}; have: ${finding.fixes.map((f) => f.title).join(' | ')}`);
      applyFix(dir, fix);
      const after = await lintDir(dir);
      const same = (f: typeof finding): boolean => f.rule === c.rule && f.message === finding.message;
      const remaining = after.filter(same);
      assert.deepEqual(remaining.map((f) => `${f.file}:${f.range.start.line + 1} ${f.message}`), [], 'finding still reported after the fix');
      const newErrors = after.filter((f) => f.severity === 'error' && !before.some((b) => b.rule === f.rule && b.file === f.file));
      assert.deepEqual(newErrors.map((f) => `${f.rule} ${f.file}:${f.range.start.line + 1} ${f.message}`), [], 'the fix introduced errors');
    });
  }

  it('the mlflow fix keeps the file valid Python and removes the autolog call', async () => {
    const dir = path.join(scratch, 'mlflow-again');
    cpSync(path.join(fixturesDir, 'mlflow-import'), dir, { recursive: true });
    const finding = (await lintDir(dir)).find((f) => f.rule === 'flops/mlflow-import');
    assert.ok(finding?.fixes[0]);
    applyFix(dir, finding.fixes[0]);
    const text = readFileSync(path.join(dir, 'model_manager.py'), 'utf8');
    assert.doesNotMatch(text, /mlflow/);
    assert.ok(!(await lintDir(dir)).some((f) => f.rule === 'flops/python-syntax'));
  });
});

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testPython } from '../../python/python-env';
import { requireTestPython } from '../python/python-run';
import { repoRoot } from '../repo-paths';
import { cli } from './run-cli';

/**
 * `flops check`: the learner path in the test venv's real Python (datasets, scikit-learn), on copies of
 * the bundled example: passing, failing in the user's code (the file and line are reported), too slow,
 * no interpreter, lint errors. The repository's .flops is never written.
 */
describe('flops check (CLI, real Python)', function () {
  this.timeout(120_000);
  let work: string;
  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'flops-check-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  function example(name: string, edit?: (file: string) => void): string {
    const dir = path.join(work, name);
    cpSync(path.join(repoRoot, 'examples/mnist-sklearn'), dir, { recursive: true, filter: (s) => !s.includes(`${path.sep}.flops`) });
    edit?.(dir);
    return dir;
  }
  const replaceIn = (file: string, from: string, to: string): void => {
    const text = readFileSync(file, 'utf8');
    assert.ok(text.includes(from), `${file} has ${from}`);
    writeFileSync(file, text.replace(from, to));
  };

  it('passes the bundled example, step by step, and writes nothing into the repository', async function () {
    requireTestPython(this);
    const dir = example('ok');
    const run = await cli(['check', dir, '--python', testPython() ?? ''], work);
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const lines = run.stdout.trim().split('\n');
    assert.deepEqual(lines.slice(0, 5).map((l) => /^✓ (\w+) /.exec(l)?.[1]), ['aggregator', 'set_model_data', 'fit_model', 'evaluate_model', 'aggregate']);
    // 256 rows of partition 0 of 2, 80/20 split by the user's DataManager.
    assert.match(lines[2] ?? '', /fit_model \(\d+\.\d\d s, 204 examples\)/);
    assert.match(run.stdout, /The learner path works/);
    assert.throws(() => readFileSync(path.join(dir, '.flops/manifest.json')), /ENOENT/);
    const json = await cli(['check', dir, '--python', testPython() ?? '', '--format', 'json'], work);
    const outcome = JSON.parse(json.stdout) as { kind: string; steps: { step: string; ok: boolean }[] };
    assert.equal(outcome.kind, 'passed');
    assert.equal(outcome.steps.length, 5);
  });

  it('reports an exception in the user\'s code with the step, the exception and its file and line (exit 1)', async function () {
    requireTestPython(this);
    const dir = example('broken', (d) => replaceIn(path.join(d, 'model_manager.py'), 'self.model.fit(self.x_train, self.y_train)', 'self.model.fit(self.x_train, self.y_train[:10])'));
    const line = readFileSync(path.join(dir, 'model_manager.py'), 'utf8').split('\n').findIndex((l) => l.includes('self.y_train[:10]')) + 1;
    const run = await cli(['check', dir, '--python', testPython() ?? ''], work);
    assert.equal(run.status, 1, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /✓ set_model_data/);
    assert.match(run.stdout, new RegExp(`✗ fit_model: ValueError: .*inconsistent numbers of samples.* \\(model_manager\\.py:${line}\\)`));
    assert.match(run.stderr, /Traceback \(most recent call last\)/);
    assert.match(run.stderr, new RegExp(`flops check: fit_model failed: ValueError: .*\\(model_manager\\.py:${line}\\)`));
  });

  it('gives up at the time limit and names the step it was in (exit 2)', async function () {
    requireTestPython(this);
    const dir = example('slow', (d) => replaceIn(path.join(d, 'model_manager.py'), '    def set_model_data(self) -> None:\n', '    def set_model_data(self) -> None:\n        import time\n        time.sleep(60)\n'));
    const run = await cli(['check', dir, '--python', testPython() ?? '', '--timeout', '3'], work);
    assert.equal(run.status, 2, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /did not finish within 3 s \(it was in set_model_data\)/);
  });

  it('says which interpreter is missing, and refuses a repository with lint errors', async function () {
    requireTestPython(this);
    const dir = example('no-python');
    const missing = await cli(['check', dir, '--python', path.join(work, 'no-such-python')], work);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /The Python interpreter ".*no-such-python" was not found\. Pass --python PATH/);
    const lintErrors = example('lint-errors', (d) => rmSync(path.join(d, 'model_manager.py')));
    const refused = await cli(['check', lintErrors, '--python', testPython() ?? ''], work);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /lint reports errors; fix them first \(or --force\)/);
    assert.match(refused.stderr, /flops\/model-manager-file/);
    const usage = await cli(['check', dir, '--timeout', 'soon'], work);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--timeout must be a positive number of seconds/);
  });
});

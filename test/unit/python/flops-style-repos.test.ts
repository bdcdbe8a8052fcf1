import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../repo-paths';
import { lastJsonLine, pythonFixtures, requireTestPython, runPython, writeGeneratedApp } from './python-run';

/**
 * Unmodified FLOps-style repositories (test/fixtures/python/flops-style, and examples/mnist-sklearn)
 * train for two rounds with two learners through the generated adapter, on the real `datasets`
 * (>= 4, where `dataset["col"]` is a lazy Column), numpy, scikit-learn, PyTorch and Keras.
 */

interface Rounds {
  datasets: string;
  shapes: number[][];
  rounds: { train_examples: number[]; eval_examples: number[]; loss: number; accuracy: number }[];
}

describe('FLOps-style repositories on the real ML stack (test venv)', function () {
  this.timeout(240_000);
  let work: string;
  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'flops-style-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  async function twoRounds(name: string, repoSource: string, flavor: 'sklearn' | 'pytorch' | 'keras', data: string): Promise<Rounds> {
    const root = path.join(work, name);
    const repo = path.join(root, 'repo');
    const app = path.join(root, 'app');
    cpSync(repoSource, repo, { recursive: true });
    writeGeneratedApp(app, flavor);
    const run = await runPython([path.join(pythonFixtures, 'flavor_rounds.py'), app, repo, root, data], root);
    assert.equal(run.status, 0, `${run.stderr.slice(-3000)}\n${run.stdout.slice(-2000)}`);
    const result = lastJsonLine<Rounds>(run);
    assert.match(result.datasets, /^([4-9]|\d{2,})\./, `the test venv must hold datasets >= 4, has ${result.datasets}`);
    assert.equal(result.rounds.length, 2);
    for (const round of result.rounds) {
      assert.equal(round.train_examples.length, 2);
      assert.ok(round.train_examples.every((n) => n > 0));
      assert.ok(Number.isFinite(round.loss), `loss ${round.loss}`);
    }
    return result;
  }

  it('sklearn (FLOps\' mnist_sklearn style: set_format("numpy"), dataset["image"].reshape(...))', async function () {
    requireTestPython(this);
    const result = await twoRounds('sklearn', path.join(pythonFixtures, 'flops-style/sklearn-mnist'), 'sklearn', 'mnist');
    assert.deepEqual(result.shapes, [[10, 784], [10]]);
    // 200 rows, IID halves of 100, 80/20 by the DataManager.
    assert.deepEqual(result.rounds[0]?.train_examples, [80, 80]);
    assert.deepEqual(result.rounds[0]?.eval_examples, [20, 20]);
    assert.ok((result.rounds[1]?.accuracy ?? 0) > 0.5, `accuracy ${result.rounds[1]?.accuracy}`);
  });

  it('PyTorch (a DataLoader over the Hugging Face dataset, dict batches)', async function () {
    requireTestPython(this);
    const result = await twoRounds('pytorch', path.join(pythonFixtures, 'flops-style/pytorch-cifar'), 'pytorch', 'cifar');
    assert.deepEqual(result.shapes, [[4, 3, 3, 3], [4], [10, 144], [10]]);
    assert.deepEqual(result.rounds[0]?.train_examples, [80, 80]);
    assert.ok((result.rounds[1]?.accuracy ?? 0) > 0.3, `accuracy ${result.rounds[1]?.accuracy}`);
  });

  it('Keras on TensorFlow (numpy arrays from dataset["img"].astype(...))', async function () {
    requireTestPython(this);
    const result = await twoRounds('keras', path.join(pythonFixtures, 'flops-style/keras-cifar'), 'keras', 'cifar');
    assert.deepEqual(result.shapes, [[3, 3, 3, 4], [4], [144, 10], [10]]);
    assert.deepEqual(result.rounds[0]?.train_examples, [80, 80]);
    assert.ok(result.rounds[1]!.loss < result.rounds[0].loss * 1.5, `loss ${result.rounds[0]?.loss} then ${result.rounds[1]?.loss}`);
  });

  it('the bundled examples/mnist-sklearn, on its own data/digits.csv', async function () {
    requireTestPython(this);
    const example = path.join(repoRoot, 'examples/mnist-sklearn');
    const result = await twoRounds('example', example, 'sklearn', path.join(example, 'data/digits.csv'));
    assert.deepEqual(result.shapes, [[10, 64], [10]]);
    assert.ok((result.rounds[1]?.accuracy ?? 0) > 0.8, `accuracy ${result.rounds[1]?.accuracy}`);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DockerRuntime } from '../../extension/io/docker/runtime';
import { LocalSimulationLauncher } from '../../extension/core/simulate/local-simulation';
import { simulationPorts } from '../../extension/io/simulation-ports';
import { PythonPool } from '../../extension/io/python-pool';
import { distDir } from '../unit/repo-paths';
import { cyclePhases, killedCliThenDown, runCycles } from './cycles';
import { requireDockerEngine, run } from './docker-cli';
import { copyExampleForFakeFlower, ensureFakeFlowerImage } from './fake-flower-image';

/**
 * The short version of the reliability cycles (issue 13; `npm run cycles` runs 50): every phase once
 * and a few more, then a SIGKILLed `flops sim up` and `flops sim down`. Nothing may be left.
 */
describe('start/cancel/kill cycles against the real Docker engine (short)', function () {
  this.timeout(900_000);
  const scratch = mkdtempSync(path.join(tmpdir(), 'flops-cycles-'));
  const analyzer = new PythonPool({ wasmDir: distDir });
  const runtime = new DockerRuntime();
  const launcher = new LocalSimulationLauncher(simulationPorts(analyzer, { runtimeFor: () => runtime }));
  const dir = path.join(scratch, `cycles-${process.pid}`);

  before(function () {
    requireDockerEngine(this);
    copyExampleForFakeFlower(dir, ensureFakeFlowerImage((line) => console.log(`    ${line}`)), {
      training_configuration: { data_tags: ['digits'], training_rounds: 50, min_available_clients: 2, min_fit_clients: 2, min_evaluate_clients: 2 },
    });
  });

  after(async () => {
    await launcher.down(dir).catch(() => undefined);
    const tags = run('docker', ['image', 'ls', '--filter', `reference=flops-${path.basename(dir)}`, '--format', '{{.Repository}}:{{.Tag}}']).stdout.split('\n').filter(Boolean);
    if (tags.length > 0) run('docker', ['image', 'rm', '-f', ...tags]);
    analyzer.dispose();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('ends every cycle with nothing left and the right outcome in the history', async () => {
    // Every phase once, in order, then random ones.
    const first = await runCycles(launcher, dir, { count: cyclePhases.length, seed: 1, inTurn: true, log: (l) => console.log(`    ${l}`) });
    const counts = await runCycles(launcher, dir, { count: 4, seed: 7, log: (l) => console.log(`    ${l}`) });
    assert.deepEqual([first.orphans, first.historyMismatches, counts.orphans, counts.historyMismatches], [0, 0, 0, 0], [...first.problems, ...counts.problems].join('\n'));
    assert.equal(first.cycles + counts.cycles, 8);
    assert.equal(first.phaseReached, cyclePhases.length, 'every phase was reached before the run ended');
    const runs = await launcher.runs(dir);
    assert.equal(runs.length, 8, 'every cycle is in the history');
  });

  it('a SIGKILLed flops sim up leaves containers that flops sim down removes; the run reads as interrupted', async () => {
    const result = await killedCliThenDown(dir);
    assert.match(result.removed, /removed 4 containers, 1 networks, 1 volumes/);
    assert.deepEqual(result.left, []);
    assert.equal(result.outcome, 'interrupted');
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FlError } from '../../../../extension/core/errors';
import { hasDrift, planGeneration, type GenerationPlan } from '../../../../extension/core/generate/manifest';
import { prepareGeneration } from '../../../../extension/core/generate/prepare-generation';
import type { RunRecord } from '../../../../extension/core/runs/run-record';
import { LocalSimulationLauncher, type SimulationPorts } from '../../../../extension/core/simulate/local-simulation';
import { PythonPool } from '../../../../extension/io/python-pool';
import { FakeClock } from '../../fakes/fake-clock';
import { FakeContainerRuntime } from '../../fakes/fake-container-runtime';
import { FakeLogger } from '../../fakes/fake-logger';
import { FakeGitInspector, FakeRepoReader } from '../../fakes/fake-repo-reader';
import { distDir, fixturesDir } from '../../repo-paths';

/**
 * The simulation use case over fake ports only (no file system, no Docker, no git): what it plans,
 * records and refuses. The real ports are exercised by the Docker suite (test/docker/simulation.test.ts).
 */

const repo = '/work/mnist-sklearn';
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function fixtureFiles(name: string, overrides: Record<string, string> = {}): Record<string, string> {
  const dir = path.join(fixturesDir, name);
  const files = Object.fromEntries(readdirSync(dir).filter((f) => f !== 'expect.json').map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
  return { ...files, ...overrides };
}

describe('local simulation use case over fake ports', () => {
  const analyzer = new PythonPool({ wasmDir: distDir });
  after(() => analyzer.dispose());

  function ports(files: Record<string, string>, alive: (owner: string) => boolean = () => false): SimulationPorts & { engine: FakeContainerRuntime; applied: GenerationPlan[]; written: RunRecord[]; logger: FakeLogger } {
    const runtime = new FakeContainerRuntime();
    const applied: GenerationPlan[] = [];
    const written: RunRecord[] = [];
    const logger = new FakeLogger();
    return {
      prepareGeneration: (dir, options) =>
        prepareGeneration(
          {
            reader: new FakeRepoReader(files, dir),
            analyzer,
            git: new FakeGitInspector(),
            output: { dir: `${dir}/.flops`, relative: '.flops', plan: (generated, o) => { const plan = planGeneration(generated, { manifestText: undefined, hashes: new Map() }, sha256, o); return Promise.resolve({ plan, drift: hasDrift(plan) }); } },
          },
          options,
        ),
      applyGeneration: (_outDir, plan) => {
        applied.push(plan);
        return Promise.resolve();
      },
      runtime: () => runtime,
      buildContext: { list: () => Promise.resolve(['model_manager.py', '.flops/Dockerfile']), tag: (app) => Promise.resolve(`flops-${app}:0123456789abcdef`) },
      history: {
        recordPath: (dir, runId) => `${dir}/.flops/runs/${runId}.json`,
        write: (_dir, record) => {
          written.push(record);
          return Promise.resolve();
        },
        read: () => Promise.resolve(written),
      },
      owners: { current: () => '42@host', isAlive: alive, repoKey: () => Promise.resolve('repokey123') },
      git: () => new FakeGitInspector({ isRepo: true, head: 'abc1234def', dirtyFiles: 2 }),
      freePorts: () => Promise.resolve([41001, 41002]),
      randomSuffix: () => 'beef',
      clock: new FakeClock(1_700_000_000_000),
      logger,
      engine: runtime,
      applied,
      written,
    };
  }

  it('generates, plans on the free ports and records the run with its git state', async () => {
    const p = ports(fixtureFiles('ready-sklearn'));
    const start = await new LocalSimulationLauncher(p).prepare(repo, { learners: 2, rounds: 1 });
    assert.equal(start.kind, 'ready');
    if (start.kind !== 'ready') return;
    assert.equal(p.applied.length, 1, 'the generation was applied once');
    assert.equal(start.session.plan.runId, `mnist-sklearn-${(1_700_000_000_000).toString(36)}beef`);
    assert.deepEqual(start.session.plan.endpoints, { control: '127.0.0.1:41001' });
    assert.equal(start.session.plan.image.tag, 'flops-mnist-sklearn:0123456789abcdef');
    assert.equal(start.recordPath, `${repo}/.flops/runs/${start.session.plan.runId}.json`);
    const engine = p.engine;
    engine.images.add('flops-mnist-sklearn:0123456789abcdef');
    engine.onStart = (spec, rt) => {
      if (spec.labels['flops.role'] === 'starter') rt.exit(spec.name, 1);
    };
    const view = await start.session.run();
    await start.recorded();
    assert.equal(view.outcome, 'failed');
    const last = p.written.at(-1);
    assert.equal(last?.outcome, 'failed');
    assert.deepEqual(last?.git, { commit: 'abc1234def', dirtyFiles: 2 });
    assert.deepEqual(p.logger.at('error'), []);
  });

  it('refuses a run while another of the same repository is alive, and clears a dead one', async () => {
    const alive = ports(fixtureFiles('ready-sklearn'), () => true);
    await alive.engine.createNetwork('n', {});
    await alive.engine.startContainer({ name: 'old-run-aggregator-1', image: 'x', cmd: [], env: [], labels: { 'flops.repo': 'repokey123', 'flops.run': 'old-run', 'flops.owner': '7@host' }, network: 'n', aliases: [] });
    await assert.rejects(new LocalSimulationLauncher(alive).prepare(repo), (e: unknown) => e instanceof FlError && e.kind === 'invalidInput' && /still running \(run old-run, process 7@host\)/.test(e.message));

    const dead = ports(fixtureFiles('ready-sklearn'));
    await dead.engine.createNetwork('n', {});
    await dead.engine.startContainer({ name: 'old-run-aggregator-1', image: 'x', cmd: [], env: [], labels: { 'flops.repo': 'repokey123', 'flops.run': 'old-run', 'flops.owner': '7@host' }, network: 'n', aliases: [] });
    const start = await new LocalSimulationLauncher(dead).prepare(repo);
    assert.equal(start.kind, 'ready');
    if (start.kind === 'ready') assert.deepEqual(start.removedLeftovers, ['old-run-aggregator-1']);
  });

  it('returns lint errors and impossible plans before touching the engine', async () => {
    const broken = ports(fixtureFiles('model-manager-missing'));
    const lint = await new LocalSimulationLauncher(broken).prepare(repo);
    assert.equal(lint.kind, 'lintErrors');
    if (lint.kind === 'lintErrors') assert.ok(lint.errors.some((f) => f.rule === 'flops/model-manager-file'), lint.errors.map((f) => f.rule).join(', '));
    const few = ports(fixtureFiles('ready-sklearn'));
    const invalid = await new LocalSimulationLauncher(few).prepare(repo, { learners: 1 });
    assert.equal(invalid.kind, 'invalid');
    assert.deepEqual(few.engine.calls, [], 'the engine was not asked anything');
  });
});

import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fixturesDir, repoRoot } from '../repo-paths';
import { cli as runCli, type CliResult } from './run-cli';

/** `flops sim` without a Docker engine: usage, bad input and "no engine" paths of the built CLI. */

function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(['sim', ...args], undefined, { env, timeoutMs: 60_000 });
}

describe('flops sim (no engine needed)', function () {
  this.timeout(120_000);
  const scratch = mkdtempSync(path.join(tmpdir(), 'flops-sim-cli-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('rejects bad arguments with usage and exit 2', async () => {
    const zero = await cli(['up', scratch, '--learners', '0']);
    assert.equal(zero.status, 2);
    assert.match(zero.stderr, /--learners takes a whole number of at least 1, got "0"/);
    const unknown = await cli(['launch']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Unknown sim command "launch"/);
    const format = await cli(['runs', scratch, '--format', 'xml']);
    assert.equal(format.status, 2);
    const noLearner = await cli(['pause', scratch]);
    assert.equal(noLearner.status, 2);
    assert.match(noLearner.stderr, /pause needs --learner I/);
    const help = await cli(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /flops sim <command>/);
  });

  it('says which engine it tried when none answers, after generating, and leaves no run behind', async () => {
    const repo = path.join(scratch, 'example');
    cpSync(path.join(repoRoot, 'examples/mnist-sklearn'), repo, { recursive: true, filter: (source) => !source.includes(`${path.sep}.flops`) });
    const result = await cli(['up', repo], { DOCKER_HOST: `unix://${path.join(scratch, 'no-engine.sock')}` });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /Docker is not running or not installed: no engine at .*no-engine\.sock \(from DOCKER_HOST\)/);
    const runs = await cli(['runs', repo, '--format', 'json']);
    assert.equal(runs.status, 0);
    assert.deepEqual(JSON.parse(runs.stdout), { runs: [] });
  });

  it('refuses a repository with lint errors unless forced, and an impossible learner count', async () => {
    const broken = path.join(scratch, 'broken');
    cpSync(path.join(fixturesDir, 'model-manager-methods-missing'), broken, { recursive: true });
    const refused = await cli(['up', broken], { DOCKER_HOST: 'unix:///nonexistent.sock' });
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /lint errors; fix them or pass --force/);

    const repo = path.join(scratch, 'few');
    cpSync(path.join(repoRoot, 'examples/mnist-sklearn'), repo, { recursive: true, filter: (source) => !source.includes(`${path.sep}.flops`) });
    const few = await cli(['up', repo, '--learners', '1'], { DOCKER_HOST: 'unix:///nonexistent.sock' });
    assert.equal(few.status, 2);
    assert.match(few.stderr, /waits for min_available_clients = 2 learners, but the simulation starts 1/);
  });

  it('lists recorded runs, newest first, and marks a dead process as interrupted', async () => {
    const repo = path.join(scratch, 'history');
    mkdirSync(path.join(repo, '.flops', 'runs'), { recursive: true });
    const record = (runId: string, startedAt: number, outcome?: string, owner = '999999999@nowhere-host'): string =>
      JSON.stringify({ v: 1, runId, repo, owner, startedAt, ...(outcome !== undefined ? { outcome } : {}), image: 'flops-x:1', config: { learners: 2, rounds: 3, strategy: 'FedAvg', profiles: [] }, rounds: [{ round: 1, rounds: 3, strategy: 'FedAvg', train: null, evaluate: { accuracy: 0.8 }, nodes: { train: 2, evaluate: 2 }, timeMs: 1 }], failures: [] });
    writeFileSync(path.join(repo, '.flops', 'runs', 'a.json'), record('run-a', 1000, 'succeeded'));
    writeFileSync(path.join(repo, '.flops', 'runs', 'b.json'), record('run-b', 2000));
    writeFileSync(path.join(repo, '.flops', 'runs', 'c.json'), record('run-c', 3000, undefined, `999999999@${hostname()}`));
    writeFileSync(path.join(repo, '.flops', 'runs', 'broken.json'), '{ not json');
    const text = await cli(['runs', repo]);
    assert.equal(text.status, 0);
    const lines = text.stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0] ?? '', /run-c\s+interrupted/, 'its process is gone');
    assert.match(lines[1] ?? '', /run-b\s+running/, 'an owner on another host cannot be checked: still counts as running');
    assert.match(lines[2] ?? '', /run-a\s+succeeded\s+1\/3 rounds\s+2 learners\s+FedAvg\s+accuracy 0.800/);
  });
});

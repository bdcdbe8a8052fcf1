import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { failureReason, parseMetricsLine } from '../../extension/core/simulate/log-lines';
import { type RoundMetrics } from '../../extension/core/runs/run-events';
import { skipWithReason } from '../unit/skip-with-reason';
import { distDir, fixturesDir } from '../unit/repo-paths';
import { requireDockerEngine, run } from './docker-cli';
import { pinToBaseImage } from './base-image';
import { ensureFakeFlowerImage } from './fake-flower-image';

/**
 * The generated simulation end to end on the real engine, with the FAKE Flower runtime
 * (test/docker/fake-flower, testing.md §7.4) in place of Flower: the generated image builds offline FROM
 * the fake image, and the generated compose file runs the real adapter, the ready-sklearn fixture's
 * ModelManager and scikit-learn in an aggregator, two learners and the one-shot `flwr run`.
 *
 * Everything is named per test run: the repo folder (so the compose image `flops-<app>:latest` is unique),
 * the compose projects, the `flops.test.run` label (a test-only compose override adds it to every
 * container). After-hooks remove them whatever happened.
 */

const runId = `${String(process.pid)}-${Date.now().toString(36)}`;
const rounds = 2;

/** A small MNIST-like dataset (28x28 images, 10 classes, a class-dependent bright stripe), deterministic. */
function digitsJsonl(rows: number): string {
  let seed = 7;
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const label = i % 10;
    const image = Array.from({ length: 28 }, (_, r) => Array.from({ length: 28 }, () => Math.floor(random() * 40) + (r >= 2 * label && r < 2 * label + 3 ? 200 : 0)));
    lines.push(JSON.stringify({ image, label }));
  }
  return `${lines.join('\n')}\n`;
}

/** Whether a process of this machine still runs (EPERM: it runs, as another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Leftovers of earlier runs of this file whose mocha process is gone (a crashed or killed run): its compose
 * containers, networks and volumes (`flops-test-fake-<pid>-…`), its app image (`flops-fakeflower-<pid>-…`) and
 * its scratch folder (`$TMPDIR/flops-fake-flower-<pid>-…`).
 * A run still in progress elsewhere keeps everything.
 */
function sweepCrashedRuns(): void {
  const stale = (names: string): string[] => names.split('\n').filter((name) => {
    const pid = /^(?:flops-test-fake-|flops-fakeflower-)(\d+)-/.exec(name.trim())?.[1];
    return pid !== undefined && !processAlive(Number(pid));
  });
  const list = (args: string[]): string => run('docker', args, { timeoutMs: 60_000 }).stdout;
  const containers = stale(list(['ps', '-a', '--format', '{{.Names}}']));
  if (containers.length > 0) run('docker', ['rm', '-f', ...containers], { timeoutMs: 120_000 });
  const networks = stale(list(['network', 'ls', '--format', '{{.Name}}']));
  if (networks.length > 0) run('docker', ['network', 'rm', ...networks], { timeoutMs: 60_000 });
  const volumes = stale(list(['volume', 'ls', '--format', '{{.Name}}']));
  if (volumes.length > 0) run('docker', ['volume', 'rm', ...volumes], { timeoutMs: 60_000 });
  const images = stale(list(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']));
  if (images.length > 0) run('docker', ['image', 'rm', '-f', ...images], { timeoutMs: 120_000 });
  for (const name of readdirSync(tmpdir())) {
    const pid = /^flops-fake-flower-(\d+)-/.exec(name)?.[1];
    if (pid !== undefined && !processAlive(Number(pid))) rmSync(path.join(tmpdir(), name), { recursive: true, force: true });
  }
}

interface ComposeResult {
  readonly status: number | null;
  readonly output: string;
}

describe('fake Flower runtime: the generated simulation on the real engine', function () {
  this.timeout(300_000);
  const scratch = mkdtempSync(path.join(tmpdir(), `flops-fake-flower-${String(process.pid)}-`));
  const repoName = `fakeflower-${runId}`;
  const repo = path.join(scratch, repoName);
  const image = `flops-${repoName}:latest`; // deployment.ts imageName(): the name compose runs
  const projects: string[] = [];
  let fakeImage = '';

  function compose(project: string, override: object, args: readonly string[], timeoutMs = 150_000): ComposeResult {
    const overrideFile = path.join(scratch, `${project}.override.yaml`);
    writeFileSync(overrideFile, stringify(override));
    const result = run('docker-compose', ['-p', project, '-f', '.flops/compose.yaml', '-f', overrideFile, ...args], { cwd: repo, timeoutMs });
    return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
  }

  /** Labels every container of the generated services with this run's id; `environment` is added to the learners. */
  function override(environment: Record<string, string> = {}): object {
    // Fresh objects per service: yaml would write shared ones as anchors and aliases.
    const labels = (): object => ({ 'flops.test.run': runId });
    const learner = (): object => ({ labels: labels(), ...(Object.keys(environment).length > 0 ? { environment: { ...environment } } : {}) });
    return { version: '2.4', services: { aggregator: { labels: labels() }, 'learner-1': learner(), 'learner-2': learner(), run: { labels: labels() } } };
  }

  /** A service's container log (stdout and stderr), by the compose labels. */
  function serviceLog(project: string, service: string): string {
    const ids = run('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`, '--filter', `label=com.docker.compose.service=${service}`]).stdout.trim();
    assert.notEqual(ids, '', `no container for service ${service} of ${project}`);
    const logs = run('docker', ['logs', ids.split('\n')[0] ?? '']);
    return `${logs.stdout}\n${logs.stderr}`;
  }

  function leftovers(project: string): string[] {
    const label = `label=com.docker.compose.project=${project}`;
    return [
      ...run('docker', ['ps', '-aq', '--filter', label]).stdout.split('\n').map((id) => `container ${id}`),
      ...run('docker', ['network', 'ls', '-q', '--filter', label]).stdout.split('\n').map((id) => `network ${id}`),
      ...run('docker', ['volume', 'ls', '-q', '--filter', label]).stdout.split('\n').map((id) => `volume ${id}`),
    ].filter((entry) => !entry.endsWith(' '));
  }

  function down(project: string): void {
    compose(project, override(), ['down', '-v', '--remove-orphans', '--timeout', '10'], 120_000);
  }

  /** The aggregator publishes 127.0.0.1:9093 (the generated compose file); a busy port would fail `up` obscurely. */
  async function assertControlPortFree(): Promise<void> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new Error(`127.0.0.1:9093 is in use (another simulation running?); the generated compose file publishes it: ${error.message}`)));
      server.listen(9093, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  before(function () {
    requireDockerEngine(this);
    if (run('docker-compose', ['version', '--short'], { timeoutMs: 30_000 }).status !== 0) {
      assert.notEqual(process.env['FLOPS_TEST_STRICT'], '1', 'docker-compose is missing, but .ci/run installs it');
      skipWithReason(this, 'docker-compose (v1) is not installed (apt-get install docker-compose)');
    }
    sweepCrashedRuns();
    fakeImage = ensureFakeFlowerImage((line) => console.log(`    ${line}`));
  });

  after(() => {
    const remaining: string[] = [];
    for (const project of projects) {
      down(project);
      remaining.push(...leftovers(project));
    }
    run('docker', ['image', 'rm', '-f', image], { timeoutMs: 60_000 });
    rmSync(scratch, { recursive: true, force: true });
    assert.deepEqual(remaining, [], 'compose down left containers, networks or volumes behind');
  });

  it('generates the app and builds its image offline FROM the fake image (pip finds everything installed)', () => {
    cpSync(path.join(fixturesDir, 'ready-sklearn'), repo, { recursive: true });
    // Pins the Debian base satisfies; 2 rounds, 2 learners, a small local dataset.
    pinToBaseImage(repo);
    const project = JSON.parse(readFileSync(path.join(repo, 'flops.json'), 'utf8')) as { training_configuration: Record<string, unknown> };
    project.training_configuration['training_rounds'] = rounds;
    writeFileSync(
      path.join(repo, 'flops.json'),
      `${JSON.stringify({ ...project, image: { base_image: fakeImage }, simulation: { learners: 2, dataset: { file: 'data/digits.jsonl' } } }, null, 2)}\n`,
    );
    mkdirSync(path.join(repo, 'data'));
    writeFileSync(path.join(repo, 'data/digits.jsonl'), digitsJsonl(200));
    // For the failure case below: the learners of that run (only) lack a name the model imports. The
    // aggregator imports the same file without the variable, so only the ClientApp side fails.
    const modelManager = readFileSync(path.join(repo, 'model_manager.py'), 'utf8');
    writeFileSync(
      path.join(repo, 'model_manager.py'),
      `import os\n\nif os.environ.get("FLOPS_TEST_BROKEN_IMPORT"):\n    from sklearn.linear_model import NoSuchModel  # noqa: F401\n\n${modelManager}`,
    );

    const generated = run(process.execPath, [path.join(distDir, 'cli.js'), 'generate', repo]);
    assert.equal(generated.status, 0, generated.stderr);
    const build = run('docker', ['build', '--force-rm', '--label', `flops.test.run=${runId}`, '--build-arg', `BASE_IMAGE=${fakeImage}`, '--build-arg', 'PIP_ARGS=--no-index', '-f', '.flops/Dockerfile', '-t', image, '.'], {
      cwd: repo,
    });
    const output = `${build.stdout}\n${build.stderr}`;
    assert.equal(build.status, 0, `the generated image must build offline:\n${output.slice(-3000)}`);
    assert.match(output, /Requirement already satisfied: flwr==1\.27\.0/);
    assert.match(output, /Requirement already satisfied: datasets/);
    assert.doesNotMatch(output, /No matching distribution/);
  });

  it('runs the generated compose file: one metrics line per round, exit 0', async () => {
    await assertControlPortFree();
    const project = `flops-test-fake-${runId}-ok`;
    projects.push(project);
    const up = compose(project, override(), ['up', '--no-build', '--abort-on-container-exit', '--exit-code-from', 'run']);
    try {
      const aggregator = serviceLog(project, 'aggregator');
      assert.equal(up.status, 0, `the run must succeed:\n${up.output.slice(-4000)}`);
      const lines = aggregator.split('\n');
      const metrics: RoundMetrics[] = [];
      const runIds = new Set<string>();
      for (const line of lines) {
        const parsed = parseMetricsLine(line);
        assert.notEqual(parsed.kind, 'unsupported', line);
        if (parsed.kind === 'metrics') {
          metrics.push(parsed.metrics);
          runIds.add(parsed.runId);
        }
      }
      assert.deepEqual(
        metrics.map((m) => m.round),
        [1, 2],
        `one metrics line per round:\n${aggregator}`,
      );
      assert.equal(runIds.size, 1);
      for (const m of metrics) {
        assert.equal(m.rounds, rounds);
        assert.equal(m.strategy, 'FedAvg');
        assert.deepEqual(m.nodes, { train: 2, evaluate: 2 });
        const accuracy = m.evaluate?.['accuracy'];
        assert.ok(typeof accuracy === 'number' && accuracy >= 0 && accuracy <= 1, `accuracy in [0, 1]: ${String(accuracy)}`);
        assert.equal(m.evaluate?.['num-examples'], 40, 'every learner evaluates on its 20% test split of 100 rows');
        assert.equal(m.train?.['num-examples'], 160);
      }
      assert.match(aggregator, /INFO : {6}Starting Flower SuperLink/);
      assert.match(aggregator, /\[ROUND 1\/2\]/);
      assert.match(aggregator, /Final parameters saved to output\/final-parameters-\d+\.npz/);
      assert.match(aggregator, /Run finished: \d+ \(completed\)/);
      for (const learner of ['learner-1', 'learner-2']) assert.doesNotMatch(serviceLog(project, learner), /Traceback/, learner);
      // The starter streams the same run: its metrics lines are the aggregator's.
      const starter = serviceLog(project, 'run');
      assert.equal(starter.split('\n').filter((l) => parseMetricsLine(l).kind === 'metrics').length, rounds, starter);
    } finally {
      down(project);
    }
  });

  it('fails the run when every learner fails to import the model, with the traceback in the learner logs', async () => {
    await assertControlPortFree();
    const project = `flops-test-fake-${runId}-broken`;
    projects.push(project);
    const up = compose(project, override({ FLOPS_TEST_BROKEN_IMPORT: '1' }), ['up', '--no-build', '--abort-on-container-exit', '--exit-code-from', 'run']);
    try {
      assert.equal(up.status, 1, `flwr run (the starter) must exit 1:\n${up.output.slice(-4000)}`);
      const starter = serviceLog(project, 'run');
      assert.match(starter, /no learner returned a train result/, starter);
      const learner = serviceLog(project, 'learner-1');
      assert.match(learner, /Traceback \(most recent call last\)/);
      assert.match(learner, /ImportError: cannot import name 'NoSuchModel'/);
      // The learner host reports the user's exception with the user's file and line.
      assert.match(failureReason(learner.split('\n')) ?? '', /^building the learner failed: ImportError: cannot import name 'NoSuchModel'.* \(model_manager\.py, line \d+\)$/);
      // The failed round's line, then no more: nodes.train 0, both learners' replies failed, no parameters saved.
      const aggregator = serviceLog(project, 'aggregator');
      const lines = aggregator.split('\n').map((l) => parseMetricsLine(l)).flatMap((r) => (r.kind === 'metrics' ? [r.metrics] : []));
      assert.deepEqual(lines.map((m) => [m.round, m.nodes.train, m.failures.train, m.train]), [[1, 0, 2, null]], aggregator);
      assert.doesNotMatch(aggregator, /Final parameters saved/);
    } finally {
      down(project);
    }
  });
});

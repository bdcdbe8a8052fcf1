import { createConnection } from 'node:net';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunEvent } from '../../extension/core/runs/run-events';
import type { SimulationStart } from '../../extension/core/simulate/launcher';
import type { SimulationSession } from '../../extension/core/simulate/session';
import { DockerRuntime } from '../../extension/io/docker/runtime';
import { LocalSimulationLauncher } from '../../extension/core/simulate/local-simulation';
import { repoKey, simulationPorts } from '../../extension/io/simulation-ports';
import { PythonPool } from '../../extension/io/python-pool';
import { distDir } from '../unit/repo-paths';
import { ensureBaseImage } from './base-image';
import { requireDockerEngine, run } from './docker-cli';
import { copyExampleForFakeFlower, ensureFakeFlowerImage } from './fake-flower-image';

/**
 * The local simulation end to end against the real engine: the bundled example repository, generated,
 * built into an image (FROM the fake-Flower test image, so the generated Dockerfile's pip step is
 * satisfied offline) and run as an aggregator plus learners. Flower itself is the fake under
 * test/docker/fake-flower (it cannot be installed here); the adapter, the shim, the user's
 * ModelManager and scikit-learn are real. Every test checks that nothing of the repository is left.
 */
describe('local simulation against the real Docker engine', function () {
  this.timeout(600_000);
  const scratch = mkdtempSync(path.join(tmpdir(), 'flops-sim-'));
  const analyzer = new PythonPool({ wasmDir: distDir });
  const runtime = new DockerRuntime();
  const launcher = new LocalSimulationLauncher(simulationPorts(analyzer, { runtimeFor: () => runtime }));
  const repos: string[] = [];
  let fakeImage = '';

  before(function () {
    requireDockerEngine(this);
    const log = (line: string): void => console.log(`    ${line}`);
    ensureBaseImage(log);
    fakeImage = ensureFakeFlowerImage(log);
  });

  after(async () => {
    for (const repo of repos) {
      await launcher.down(repo);
      // The image is per test repository (its tag hashes the repository): remove it with the repo.
      const tags = run('docker', ['image', 'ls', '--filter', `reference=flops-${path.basename(repo)}`, '--format', '{{.Repository}}:{{.Tag}}']).stdout.split('\n').filter(Boolean);
      if (tags.length > 0) run('docker', ['image', 'rm', '-f', ...tags]);
    }
    analyzer.dispose();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** A copy of the bundled example, configured for the fake-Flower base image. */
  function exampleRepo(name: string, project: Record<string, unknown> = {}, edit?: (dir: string) => void): string {
    const dir = path.join(scratch, `sim-${name}-${process.pid}`);
    copyExampleForFakeFlower(dir, fakeImage, project);
    edit?.(dir);
    repos.push(dir);
    return dir;
  }

  /** `flops sim up DIR` in a child process, resolved once it has printed round 1 of its 50. */
  async function upUntilRound1(dir: string): Promise<{ child: ChildProcess; exited: Promise<number | null>; output: () => string }> {
    const child = spawn(process.execPath, [path.join(distDir, 'cli.js'), 'sim', 'up', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no round line from flops sim up within 300 s:\n${output}`)), 300_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (/round 1\/50 {2}loss/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      void exited.then((code) => reject(new Error(`flops sim up exited (${String(code)}) before round 1:\n${output}`)));
    });
    return { child, exited, output: () => output };
  }

  function ready(start: SimulationStart): Extract<SimulationStart, { kind: 'ready' }> {
    if (start.kind !== 'ready') assert.fail(`the simulation did not start: ${JSON.stringify(start).slice(0, 2000)}`);
    return start;
  }

  async function assertNothingLeft(dir: string): Promise<void> {
    const label = `flops.repo=${await repoKey(dir)}`;
    for (const kind of [['ps', '-a'], ['network', 'ls'], ['volume', 'ls']]) {
      const listed = run('docker', [...kind, '--filter', `label=${label}`, '--format', '{{.Names}}{{.Name}}']);
      assert.equal(listed.stdout.trim(), '', `docker ${kind.join(' ')} still lists objects of the run`);
    }
  }

  it('runs the example federated, round by round, caches the image and leaves nothing behind', async () => {
    const dir = exampleRepo('happy', { training_configuration: { data_tags: ['digits'], training_rounds: 2, min_available_clients: 2, min_fit_clients: 2, min_evaluate_clients: 2 } });
    const events: RunEvent[] = [];
    const logs: string[] = [];
    const start = ready(await launcher.prepare(dir, { onEvent: (e) => events.push(e), onLog: (service, line) => logs.push(`[${service}] ${line}`) }));
    const view = await start.session.run();
    await start.recorded();
    assert.equal(view.outcome, 'succeeded', `${view.message ?? ''}\n${logs.slice(-40).join('\n')}`);
    assert.deepEqual(view.history.map((r) => r.round), [1, 2]);
    for (const round of view.history) {
      const accuracy = round.evaluate?.['accuracy'];
      assert.ok(typeof accuracy === 'number' && accuracy > 0 && accuracy <= 1, `accuracy of round ${round.round}: ${String(accuracy)}`);
      assert.equal(round.nodes.train, 2);
    }
    assert.ok(events.some((e) => e.type === 'imageReady' && e.built), 'the first run builds the image');
    assert.ok(events.some((e) => e.type === 'roundStarted' && e.round === 1));
    assert.ok(logs.some((l) => l.startsWith('[learner-2] ')), 'learner logs are streamed');
    const record = JSON.parse(readFileSync(start.recordPath, 'utf8')) as { outcome: string; rounds: unknown[] };
    assert.equal(record.outcome, 'succeeded');
    assert.equal(record.rounds.length, 2);
    await assertNothingLeft(dir);

    // Unchanged inputs: the same tag, no build.
    const again = ready(await launcher.prepare(dir, { rounds: 1 }));
    const second = await again.session.run();
    assert.equal(second.outcome, 'succeeded', second.message);
    assert.equal(second.image?.built, false, 'an unchanged repository is not rebuilt');
    assert.equal(second.history.length, 1);
    // A code change: a new tag is built and the superseded image of this repository is removed.
    writeFileSync(path.join(dir, 'model_manager.py'), `${readFileSync(path.join(dir, 'model_manager.py'), 'utf8')}\n# a code change\n`);
    const third = await ready(await launcher.prepare(dir, { rounds: 1 })).session.run();
    assert.equal(third.outcome, 'succeeded', third.message);
    assert.equal(third.image?.built, true);
    assert.notEqual(third.image?.tag, second.image?.tag);
    const images = run('docker', ['image', 'ls', '--filter', `label=flops.repo=${await repoKey(dir)}`, '--format', '{{.Repository}}:{{.Tag}}']).stdout.trim().split('\n');
    assert.deepEqual(images, [third.image?.tag], 'only the current image of the repository is kept');
    const runs = await launcher.runs(dir);
    assert.equal(runs.length, 3);
    await assertNothingLeft(dir);
  });

  it('names the exception of learners whose code fails, fails the run, and cleans up', async () => {
    const dir = exampleRepo('broken', {}, (d) => {
      // Only learners build a DataManager (set_model_data): the aggregator starts fine, every learner
      // fails on an import the learner's data loading needs.
      const text = readFileSync(path.join(d, 'data_manager.py'), 'utf8');
      writeFileSync(path.join(d, 'data_manager.py'), text.replace('    def __init__(self):\n', '    def __init__(self):\n        import not_installed_anywhere  # noqa: F401\n\n'));
    });
    const start = ready(await launcher.prepare(dir, { force: true, startTimeoutMs: 120_000 }));
    const view = await start.session.run();
    assert.equal(view.outcome, 'failed');
    const learner = view.members.find((m) => m.service === 'learner-1');
    assert.match(learner?.reason ?? '', /ModuleNotFoundError: No module named 'not_installed_anywhere'/);
    assert.match(view.message ?? '', /not_installed_anywhere/);
    await assertNothingLeft(dir);
  });

  it('keeps training when a learner is killed mid-run, and reports the drop-out', async () => {
    const dir = exampleRepo('dropout', { training_configuration: { data_tags: ['digits'], training_rounds: 3, min_available_clients: 1, min_fit_clients: 1, min_evaluate_clients: 1 }, simulation: { learners: 3 } }, (d) => {
      // A slow learner round, so the kill lands during the run.
      const text = readFileSync(path.join(d, 'model_manager.py'), 'utf8');
      writeFileSync(path.join(d, 'model_manager.py'), text.replace('    def fit_model(self) -> int:\n', '    def fit_model(self) -> int:\n        import time\n        time.sleep(1.5)\n'));
    });
    const current: { session?: SimulationSession } = {};
    const start = ready(
      await launcher.prepare(dir, {
        onEvent: (event) => {
          if (event.type === 'roundFinished' && event.metrics.round === 1) void current.session?.killLearner(3);
        },
      }),
    );
    current.session = start.session;
    const view = await start.session.run();
    assert.equal(view.outcome, 'succeeded', view.message);
    assert.equal(view.history.length, 3);
    const learner = view.members.find((m) => m.service === 'learner-3');
    assert.match(learner?.reason ?? '', /killed from the run monitor/);
    assert.ok((view.history.at(-1)?.nodes.train ?? 0) <= 2, 'the last round ran without the killed learner');
    await assertNothingLeft(dir);
  });

  it('ends the run with a reason, not a hang, when a drop-out leaves fewer learners than the aggregator needs', async () => {
    const dir = exampleRepo('stall', { training_configuration: { data_tags: ['digits'], training_rounds: 20, min_available_clients: 2, min_fit_clients: 2, min_evaluate_clients: 2 } });
    const current: { session?: SimulationSession } = {};
    const start = ready(
      await launcher.prepare(dir, {
        startTimeoutMs: 15_000,
        onEvent: (event) => {
          if (event.type === 'roundFinished' && event.metrics.round === 1) void current.session?.killLearner(2);
        },
      }),
    );
    current.session = start.session;
    const view = await start.session.run();
    assert.equal(view.outcome, 'failed');
    assert.match(view.message ?? '', /the aggregator waited \d+ s for learners: it needs 2 \(min_available_clients\) and 1 is connected\. Learner problems: learner-2: killed from the run monitor/);
    await assertNothingLeft(dir);
  });

  it('stops on request and removes everything', async () => {
    const dir = exampleRepo('stop');
    const current: { session?: SimulationSession } = {};
    const start = ready(
      await launcher.prepare(dir, {
        onEvent: (event) => {
          if (event.type === 'memberState' && event.service === 'run' && event.state === 'running') current.session?.stop();
        },
      }),
    );
    current.session = start.session;
    const view = await start.session.run();
    assert.equal(view.outcome, 'stopped');
    await assertNothingLeft(dir);
  });

  it('flops sim up: Ctrl-C stops the run and removes everything before it exits', async () => {
    const dir = exampleRepo('ctrl-c', { training_configuration: { data_tags: ['digits'], training_rounds: 50, min_available_clients: 2, min_fit_clients: 2, min_evaluate_clients: 2 } });
    const { child, exited, output } = await upUntilRound1(dir);
    child.kill('SIGINT');
    assert.equal(await exited, 1, output());
    assert.match(output(), /stopping; removing the containers/);
    assert.match(output(), /flops sim: stopped: Stopped on request\./);
    await assertNothingLeft(dir);
    const records = await launcher.runs(dir);
    assert.equal(records[0]?.outcome, 'stopped');
  });

  it('flops sim: a killed `up` leaves containers that status and logs show, and `down` removes them', async () => {
    const dir = exampleRepo('cli', { training_configuration: { data_tags: ['digits'], training_rounds: 50, min_available_clients: 2, min_fit_clients: 2, min_evaluate_clients: 2 } });
    const cli = path.join(distDir, 'cli.js');
    const { child, exited } = await upUntilRound1(dir);
    child.kill('SIGKILL'); // no chance to clean up, as when a terminal or VS Code is killed
    await exited;

    const status = run(process.execPath, [cli, 'sim', 'status', dir, '--format', 'json']);
    assert.equal(status.status, 0, status.stderr);
    const runs = (JSON.parse(status.stdout) as { runs: { endpoints: { control?: string }; containers: { service: string; name: string; status: string }[] }[] }).runs;
    assert.equal(runs.length, 1);
    assert.deepEqual(runs[0]?.containers.map((c) => c.service).sort(), ['aggregator', 'learner-1', 'learner-2', 'run']);
    // The Control API is published on the free port picked for this run (never a fixed 9093), and answers.
    const control = runs[0]?.endpoints.control ?? '';
    assert.match(control, /^127\.0\.0\.1:\d+$/);
    const aggregator = runs[0]?.containers.find((c) => c.service === 'aggregator')?.name ?? '';
    assert.equal(run('docker', ['port', aggregator, '9093/tcp']).stdout.trim().split('\n')[0], control);
    const [host, port] = control.split(':');
    await new Promise<void>((resolve, reject) => {
      const socket = createConnection({ host, port: Number(port) }, () => {
        socket.end();
        resolve();
      });
      socket.once('error', reject);
    });
    assert.match(run(process.execPath, [cli, 'sim', 'status', dir]).stdout, new RegExp(`Control API ${control.replace(/\./g, '\\.')}`));
    const logs = run(process.execPath, [cli, 'sim', 'logs', dir, '--learner', '1', '--tail', '50']);
    assert.equal(logs.status, 0, logs.stderr);
    assert.notEqual(logs.stdout.trim(), '');

    // What-if controls from the terminal.
    const paused = run(process.execPath, [cli, 'sim', 'pause', dir, '--learner', '1']);
    assert.equal(paused.status, 0, paused.stderr);
    assert.match(run(process.execPath, [cli, 'sim', 'status', dir]).stdout, /learner-1\s+paused/);
    const again = run(process.execPath, [cli, 'sim', 'pause', dir, '--learner', '1']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /could not pause learner-1: .*paused/i);
    assert.equal(run(process.execPath, [cli, 'sim', 'resume', dir, '--learner', '1']).status, 0);
    const missing = run(process.execPath, [cli, 'sim', 'kill', dir, '--learner', '9']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /learners 1 to 2; there is no learner 9/);
    assert.equal(run(process.execPath, [cli, 'sim', 'kill', dir, '--learner', '2']).status, 0);
    assert.match(run(process.execPath, [cli, 'sim', 'status', dir]).stdout, /learner-2\s+exited \(exit 137\)/);

    const down = run(process.execPath, [cli, 'sim', 'down', dir]);
    assert.equal(down.status, 0, down.stderr);
    assert.match(down.stdout, /removed 4 containers, 1 networks, 1 volumes/);
    await assertNothingLeft(dir);
    const history = run(process.execPath, [cli, 'sim', 'runs', dir, '--format', 'json']);
    const records = (JSON.parse(history.stdout) as { runs: { outcome?: string }[] }).runs;
    assert.equal(records[0]?.outcome, 'interrupted');
    assert.ok(existsSync(path.join(dir, '.flops', 'runs')));
  });
});

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { FlError } from '../../extension/core/errors';
import type { BuildProgress, ContainerEvent, ContainerSpec, ResourceSample } from '../../extension/core/ports';
import { listBuildContext } from '../../extension/io/build-context';
import { DockerRuntime } from '../../extension/io/docker/runtime';
import { freePort } from '../host/free-port';
import { ensureBaseImage } from './base-image';
import { requireDockerEngine, run } from './docker-cli';

/**
 * DockerRuntime against the real engine (testing.md §7). Every object a test creates carries
 * `flops.test.run=<pid>-<time>-<n>`, unique per test, and the after-hook removes everything with it through
 * the docker CLI, so a broken adapter cannot also break the cleanup. Waits are on events (log lines, the
 * engine's wait endpoint, event streams), each with a deadline that names what was awaited.
 */

const suiteLabel = 'flops.test.suite';
const suite = 'docker-runtime';
const runLabel = 'flops.test.run';

async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Collects values (log lines, events, samples) and lets a test await the first one that matches. */
class Collector<T> {
  readonly items: T[] = [];
  private waiters: { match: (item: T) => boolean; resolve: (item: T) => void }[] = [];

  readonly add = (item: T): void => {
    this.items.push(item);
    for (const waiter of this.waiters.filter((w) => w.match(item))) waiter.resolve(item);
    this.waiters = this.waiters.filter((w) => !w.match(item));
  };

  waitFor(match: (item: T) => boolean, what: string, ms = 30_000): Promise<T> {
    const seen = this.items.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return within(ms, what, new Promise<T>((resolve) => this.waiters.push({ match, resolve })));
  }
}

interface LogLine {
  readonly line: string;
  readonly stream: 'stdout' | 'stderr';
}

/**
 * Python that prints "ready", then waits for SIGINT (the spec's stop signal), says so on stderr, writes
 * a last line without a newline and exits with 3.
 */
const waitForStop = [
  'import signal, sys',
  'print("ready", flush=True)',
  'try:',
  '    signal.pause()',
  'except KeyboardInterrupt:',
  '    print("stopping", file=sys.stderr, flush=True)',
  '    sys.stdout.write("no newline at the end")',
  '    sys.stdout.flush()',
  '    sys.exit(3)',
].join('\n');

function cli(args: readonly string[]): string {
  const result = run('docker', args, { timeoutMs: 120_000 });
  assert.equal(result.status, 0, `docker ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout.trim();
}

const idsOf = (output: string): string[] => output.split('\n').filter((line) => line !== '');

/** Removes everything labelled with one run id through the CLI; used by after-hooks and the sweep. */
function removeRun(runId: string): void {
  const filter = `label=${runLabel}=${runId}`;
  const containers = idsOf(run('docker', ['ps', '-aq', '--filter', filter]).stdout);
  if (containers.length > 0) run('docker', ['rm', '-f', '-v', ...containers]);
  const networks = idsOf(run('docker', ['network', 'ls', '-q', '--filter', filter]).stdout);
  if (networks.length > 0) run('docker', ['network', 'rm', ...networks]);
  const volumes = idsOf(run('docker', ['volume', 'ls', '-q', '--filter', filter]).stdout);
  if (volumes.length > 0) run('docker', ['volume', 'rm', '-f', ...volumes]);
  const images = idsOf(run('docker', ['image', 'ls', '-q', '--filter', filter]).stdout);
  if (images.length > 0) run('docker', ['image', 'rm', '-f', ...new Set(images)]);
}

/**
 * testing.md §8's pre-run sweep, limited to runs of this suite that are over an hour old and whose
 * process is gone: other worktrees may be running this suite against the same engine right now.
 */
function sweepCrashedRuns(): void {
  const hourAgo = Date.now() - 3_600_000;
  const runIds = new Set<string>();
  const format = `{{.Label "${runLabel}"}}`;
  const filter = `label=${suiteLabel}=${suite}`;
  for (const args of [['ps', '-a'], ['network', 'ls'], ['volume', 'ls']]) {
    for (const id of idsOf(run('docker', [...args, '--filter', filter, '--format', format]).stdout)) runIds.add(id);
  }
  for (const runId of runIds) {
    const [pid, time] = runId.split('-').map(Number);
    if (pid === undefined || time === undefined || !(time < hourAgo)) continue;
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive) removeRun(runId);
  }
}

describe('DockerRuntime against the real engine', function () {
  this.timeout(120_000);
  const scratch = mkdtempSync(path.join(tmpdir(), 'flops-runtime-'));
  const docker = new Docker();
  const runtime = new DockerRuntime();
  let base = '';
  let counter = 0;
  let runId = '';
  let labels: Record<string, string> = {};
  /** Aborted after each test, so no watcher or log stream outlives it. */
  let testScope = new AbortController();
  /** Build-step containers a test saw: they carry no labels, so a regression would leave them behind. */
  let stepContainers: string[] = [];

  before(function () {
    this.timeout(900_000);
    requireDockerEngine(this);
    base = ensureBaseImage((line) => console.log(`    ${line}`));
    sweepCrashedRuns();
  });

  beforeEach(() => {
    runId = `${process.pid}-${Date.now()}-${counter++}`;
    labels = { [suiteLabel]: suite, [runLabel]: runId };
    testScope = new AbortController();
    stepContainers = [];
  });

  afterEach(() => {
    testScope.abort();
    if (stepContainers.length > 0) run('docker', ['rm', '-f', ...stepContainers]);
    removeRun(runId);
  });

  /** The id in the classic builder's " ---> Running in <id>" line, remembered for the after-hook. */
  const stepContainer = (line: string): string | undefined => {
    const id = /^ ---> Running in ([0-9a-f]+)$/.exec(line)?.[1];
    if (id !== undefined) stepContainers.push(id);
    return id;
  };

  after(() => rmSync(scratch, { recursive: true, force: true }));

  const name = (role: string): string => `flops-test-${runId}-${role}`;

  const spec = (role: string, cmd: readonly string[], extra: Partial<ContainerSpec> = {}): ContainerSpec => ({
    name: name(role),
    image: base,
    cmd,
    env: [],
    labels,
    network: 'bridge',
    aliases: [],
    ...extra,
  });

  /** Resolves with the exit code once the container stopped (the engine's wait endpoint, not polling). */
  const exited = (container: string, what: string): Promise<number> =>
    within(60_000, what, docker.getContainer(container).wait() as Promise<{ StatusCode: number }>).then((r) => r.StatusCode);

  /** A build context under the scratch folder with the given files. */
  const context = (files: Record<string, string>): string => {
    const dir = path.join(scratch, runId);
    mkdirSync(dir, { recursive: true });
    for (const [rel, content] of Object.entries(files)) writeFileSync(path.join(dir, rel), content);
    return dir;
  };

  it('ping answers with the engine version', async () => {
    assert.match(await runtime.ping(), /^\d+\.\d+\.\d+/);
  });

  it('builds an image with the classic builder, reporting steps and output, and tags it', async () => {
    const dir = context({
      Dockerfile: `FROM ${base}\nARG GREETING=unset\nCOPY hello.txt /hello.txt\nRUN echo "$GREETING" > /x && cat /hello.txt\n`,
      'hello.txt': 'hello from the context\n',
      'ignored.bin': 'not sent',
      '.dockerignore': '*.bin\n',
    });
    const files = await listBuildContext(dir);
    assert.deepEqual(files, ['.dockerignore', 'Dockerfile', 'hello.txt']);
    const tag = `flops-test/runtime:${runId}`;
    assert.equal(await runtime.imageExists(tag), false);
    const progress: BuildProgress[] = [];
    await runtime.buildImage(
      { contextDir: dir, files, dockerfile: 'Dockerfile', tag, buildArgs: { GREETING: 'hi' }, labels },
      { onProgress: (p) => progress.push(p), signal: testScope.signal },
    );
    const steps = progress.flatMap((p) => (p.step !== undefined ? [p.step] : []));
    assert.deepEqual(steps.map((s) => s.index), steps.map((_, i) => i + 1), 'steps are reported in order, from 1');
    assert.ok(steps.every((s) => s.total === steps.length), `every step names the total: ${JSON.stringify(steps)}`);
    assert.ok(steps.some((s) => s.instruction.startsWith('RUN echo "$GREETING"')), JSON.stringify(steps));
    assert.ok(progress.some((p) => p.line === 'hello from the context'), 'output of RUN arrives as its own line');
    assert.ok(progress.every((p) => !p.line.includes('\n')), 'lines carry no newline');
    assert.equal(await runtime.imageExists(tag), true);
    assert.equal(cli(['image', 'inspect', '--format', `{{index .Config.Labels "${runLabel}"}}`, tag]), runId);
    assert.equal(cli(['run', '--rm', tag, 'cat', '/x']), 'hi', 'the build argument reached the build');
  });

  it('rejects a failing build naming the step and its output, and leaves no container behind', async () => {
    const dir = context({ Dockerfile: `FROM ${base}\nRUN echo about to fail && echo on stderr >&2 && exit 3\n` });
    const build = runtime.buildImage(
      { contextDir: dir, files: ['Dockerfile'], dockerfile: 'Dockerfile', tag: `flops-test/runtime:${runId}`, buildArgs: {}, labels },
      { onProgress: (p) => stepContainer(p.line) },
    );
    await assert.rejects(build, (error: Error) => {
      assert.ok(!(error instanceof FlError), 'a failed step is not a foreseen FlError');
      assert.match(error.message, /failed at step 2\/\d+ \(RUN echo about to fail && echo on stderr >&2 && exit 3\)/);
      assert.match(error.message, /returned a non-zero code: 3/);
      assert.match(error.message, /^about to fail$/m);
      assert.match(error.message, /^on stderr$/m, 'stderr of the step, without colour codes');
      return true;
    });
    assert.equal(stepContainers.length, 1, 'the step ran in one intermediate container');
    assert.equal(cli(['ps', '-aq', '--no-trunc', '--filter', `id=${stepContainers[0] ?? ''}`]), '', 'forcerm removed the failed step\'s container');
  });

  it('starts a container on its own network with an alias and limits, follows its logs, and reports its exit', async () => {
    const network = name('net');
    await runtime.createNetwork(network, labels);
    const script = [
      'import os, sys',
      'print("out one", flush=True)',
      'print("err one", file=sys.stderr, flush=True)',
      'print("crlf line\\r", flush=True)',
      'print("greeting", os.environ["GREETING"], flush=True)',
      // Longer than one log frame (16 KiB) and than one read chunk: must arrive as one line.
      'print("x" * 100000, flush=True)',
      waitForStop,
    ].join('\n');
    const learner = spec('learner', ['python3', '-c', script], {
      env: ['GREETING=hello'],
      network,
      aliases: ['learner-1'],
      cpus: 0.5,
      memoryMb: 128,
      stopSignal: 'SIGINT',
    });
    await runtime.startContainer(learner, testScope.signal);

    const lines = new Collector<LogLine>();
    const following = runtime.readLogs(learner.name, { follow: true, signal: testScope.signal }, (line, stream) => lines.add({ line, stream }));
    await lines.waitFor((l) => l.line === 'ready', 'the container to print "ready"');
    assert.deepEqual(await runtime.inspectContainer(learner.name), { name: learner.name, labels, status: 'running', oomKilled: false });
    const host = JSON.parse(cli(['inspect', '--format', '{{json .HostConfig}}', learner.name])) as { NanoCpus: number; Memory: number; MemorySwap: number };
    assert.deepEqual([host.NanoCpus, host.Memory, host.MemorySwap], [500_000_000, 128 * 1024 * 1024, 128 * 1024 * 1024]);
    const aliases = JSON.parse(cli(['inspect', '--format', `{{json (index .NetworkSettings.Networks "${network}").Aliases}}`, learner.name])) as string[];
    assert.ok(aliases.includes('learner-1'), `aliases on ${network}: ${JSON.stringify(aliases)}`);

    await runtime.stopContainer(learner.name, 10, testScope.signal);
    await within(30_000, 'the followed log to end when the container stopped', following);
    // The engine reads stdout and stderr separately, so only the order within each stream is certain.
    const of = (stream: LogLine['stream']): string[] => lines.items.filter((l) => l.stream === stream).map((l) => l.line);
    assert.deepEqual(of('stdout'), ['out one', 'crlf line', 'greeting hello', 'x'.repeat(100000), 'ready', 'no newline at the end']);
    assert.deepEqual(of('stderr'), ['err one', 'stopping']);
    const info = await runtime.inspectContainer(learner.name);
    assert.deepEqual(info, { name: learner.name, labels, status: 'exited', exitCode: 3, oomKilled: false }, 'SIGINT (the stop signal) ended it with exit code 3');
    const listed = await runtime.listContainers(labels);
    assert.deepEqual(listed, [{ name: learner.name, labels, status: 'exited', exitCode: 3 }]);

    const tail: LogLine[] = [];
    await runtime.readLogs(learner.name, { follow: false, tail: 2 }, (line, stream) => tail.push({ line, stream }));
    assert.deepEqual(tail.map((l) => l.line).sort(), ['no newline at the end', 'stopping']);

    // Stopping a stopped or missing container is what the caller wanted anyway.
    await runtime.stopContainer(learner.name, 1);
    await runtime.stopContainer(name('missing'), 1);
    assert.equal(await runtime.inspectContainer(name('missing')), undefined);
  });

  it('watchEvents sees start and die, with the exit code and the labels, until aborted', async () => {
    const watch = new AbortController();
    const events = new Collector<ContainerEvent>();
    const watching = runtime.watchEvents(labels, watch.signal, events.add);
    const before = Date.now();
    const learner = spec('exit5', ['python3', '-c', 'import sys; sys.exit(5)']);
    await runtime.startContainer(learner, testScope.signal);
    const die = await events.waitFor((e) => e.action === 'die', 'a die event');
    const start = events.items.find((e) => e.action === 'start');
    assert.ok(start !== undefined, `a start event before die: ${JSON.stringify(events.items)}`);
    assert.equal(die.name, learner.name);
    assert.equal(die.exitCode, 5);
    assert.deepEqual(die.labels, labels, 'labels are the attributes without name, image and exitCode');
    assert.ok(die.time >= start.time && Math.abs(die.time - before) < 60_000, `engine times in milliseconds: ${die.time} vs ${before}`);
    watch.abort();
    await within(10_000, 'watchEvents to resolve after the abort', watching);
  });

  it('a container over its memory limit is OOM-killed and says so', async () => {
    const hog = spec('oom', ['python3', '-c', 'x = b"x" * (200 * 1024 * 1024)\nprint(len(x))'], { memoryMb: 64 });
    await runtime.startContainer(hog, testScope.signal);
    await exited(hog.name, 'the memory hog to be killed');
    const info = await runtime.inspectContainer(hog.name);
    assert.equal(info?.status, 'exited');
    assert.ok(info.oomKilled === true || info.exitCode === 137, `OOM kill expected: ${JSON.stringify(info)}`);
  });

  it('pauses, unpauses, restarts and kills', async () => {
    const sleeper = spec('sleeper', ['python3', '-c', waitForStop]);
    await runtime.startContainer(sleeper, testScope.signal);
    await runtime.pauseContainer(sleeper.name);
    assert.equal((await runtime.inspectContainer(sleeper.name))?.status, 'paused');
    await runtime.unpauseContainer(sleeper.name);
    assert.equal((await runtime.inspectContainer(sleeper.name))?.status, 'running');
    await runtime.killContainer(sleeper.name);
    assert.equal(await exited(sleeper.name, 'the killed container to exit'), 137);
    assert.deepEqual(await runtime.inspectContainer(sleeper.name), { name: sleeper.name, labels, status: 'exited', exitCode: 137, oomKilled: false });
    await runtime.restartContainer(sleeper.name);
    assert.equal((await runtime.inspectContainer(sleeper.name))?.status, 'running');
    await assert.rejects(runtime.pauseContainer(name('missing')), /No such container/);
  });

  it('a port clash says which port and what to do, and leaves no half-created container', async () => {
    const port = await freePort();
    const first = spec('first', ['python3', '-c', waitForStop], { ports: [{ container: 9092, host: port }] });
    await runtime.startContainer(first, testScope.signal);
    assert.equal(cli(['port', first.name, '9092/tcp']), `127.0.0.1:${port}`, 'published on loopback only');
    const second = spec('second', ['python3', '-c', waitForStop], { ports: [{ container: 9092, host: port }] });
    await assert.rejects(runtime.startContainer(second), (error: Error) => {
      assert.match(error.message, new RegExp(`^Port ${port} on 127\\.0\\.0\\.1 is already in use`));
      assert.match(error.message, /docker ps/);
      return true;
    });
    assert.deepEqual((await runtime.listContainers(labels)).map((c) => c.name), [first.name]);
    assert.equal(cli(['ps', '-aq', '--filter', `name=^${second.name}$`]), '');
  });

  it('watchResources samples CPU and memory and ends when the container stops', async () => {
    const busy = spec('busy', ['python3', '-c', 'print("ready", flush=True)\nwhile True: pass'], { cpus: 0.5, memoryMb: 96 });
    await runtime.startContainer(busy, testScope.signal);
    const samples = new Collector<ResourceSample>();
    const watching = runtime.watchResources(busy.name, testScope.signal, samples.add);
    const sample = await samples.waitFor((s) => s.cpuPercent > 0, 'a sample with CPU use');
    assert.equal(sample.name, busy.name);
    assert.ok(sample.cpuPercent <= 100, `a 0.5-core limit cannot show ${sample.cpuPercent}% (percent of one core)`);
    assert.ok(sample.memoryMb > 1 && sample.memoryMb < 96, `memory in MB: ${sample.memoryMb}`);
    assert.equal(sample.memoryLimitMb, 96);
    await runtime.killContainer(busy.name);
    await within(15_000, 'watchResources to resolve when the container stopped', watching);
  });

  it('an aborted signal rejects with kind cancelled, and a followed log resolves on abort', async () => {
    const isCancelled = (error: unknown): boolean => error instanceof FlError && error.kind === 'cancelled';
    await assert.rejects(runtime.ping(AbortSignal.abort()), isCancelled);
    await assert.rejects(runtime.listContainers(labels, AbortSignal.abort()), isCancelled);

    // Cancelling a build mid-step: the engine stops it, and the step's container goes too.
    const dir = context({ Dockerfile: `FROM ${base}\nRUN echo started && python3 -c "import signal; signal.pause()"\n` });
    const build = new AbortController();
    const started = new Collector<string>();
    const building = runtime.buildImage(
      { contextDir: dir, files: ['Dockerfile'], dockerfile: 'Dockerfile', tag: `flops-test/runtime:${runId}`, buildArgs: {}, labels },
      {
        signal: build.signal,
        onProgress: (p) => {
          const id = stepContainer(p.line);
          if (id !== undefined) started.add(id);
        },
      },
    );
    const running = await started.waitFor(() => true, 'the build step to start');
    build.abort();
    await assert.rejects(within(30_000, 'the build to reject after the abort', building), isCancelled);
    // wait?condition=removed returns once the engine removed it (404 if that already happened).
    await within(60_000, 'the cancelled step\'s container to be removed', docker.getContainer(running).wait({ condition: 'removed' }).catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error;
    }));

    const sleeper = spec('sleeper', ['python3', '-c', waitForStop]);
    await runtime.startContainer(sleeper, testScope.signal);
    const follow = new AbortController();
    const lines = new Collector<string>();
    const following = runtime.readLogs(sleeper.name, { follow: true, signal: follow.signal }, lines.add);
    await lines.waitFor((l) => l === 'ready', 'the container to print "ready"');
    follow.abort();
    await within(10_000, 'readLogs to resolve after the abort', following);
    assert.equal((await runtime.inspectContainer(sleeper.name))?.status, 'running', 'aborting the log stream does not touch the container');
  });

  it('an unreachable engine rejects with kind dockerUnavailable and says what to do', async () => {
    const missing = new DockerRuntime(new Docker({ socketPath: '/nonexistent.sock' }));
    for (const attempt of [missing.ping(), missing.listContainers(labels), missing.removeLabelled(labels)]) {
      await assert.rejects(attempt, (error: unknown) => {
        assert.ok(error instanceof FlError && error.kind === 'dockerUnavailable', String(error));
        assert.match(error.message, /no engine at \/nonexistent\.sock/);
        assert.match(error.message, /DOCKER_HOST/);
        return true;
      });
    }
    // A path that exists but where nothing listens: the engine is installed but not running.
    const stale = path.join(scratch, `${runId}.sock`);
    writeFileSync(stale, '');
    await assert.rejects(new DockerRuntime(new Docker({ socketPath: stale })).ping(), (error: unknown) => {
      assert.ok(error instanceof FlError && error.kind === 'dockerUnavailable', String(error));
      assert.match(error.message, /^Docker is not running: nothing answers at .*\(ECONNREFUSED\)/);
      return true;
    });
  });

  it('removeLabelled removes containers, then networks, then volumes, and nothing is left', async () => {
    const network = name('net');
    const volume = name('vol');
    await runtime.createNetwork(network, labels);
    await runtime.createVolume(volume, labels);
    const member = spec('member', ['python3', '-c', waitForStop], { network, aliases: ['member'], volumes: [{ name: volume, target: '/output' }] });
    await runtime.startContainer(member, testScope.signal);
    const stopped = spec('stopped', ['python3', '-c', 'pass'], { network });
    await runtime.startContainer(stopped, testScope.signal);
    await exited(stopped.name, 'the short container to exit');

    const report = await runtime.removeLabelled(labels);
    assert.deepEqual({ ...report, containers: [...report.containers].sort() }, {
      containers: [member.name, stopped.name].sort(),
      networks: [network],
      volumes: [volume],
      failures: [],
    });
    const filter = `label=${runLabel}=${runId}`;
    assert.equal(cli(['ps', '-aq', '--filter', filter]), '');
    assert.equal(cli(['network', 'ls', '-q', '--filter', filter]), '');
    assert.equal(cli(['volume', 'ls', '-q', '--filter', filter]), '');
    assert.deepEqual(await runtime.removeLabelled(labels), { containers: [], networks: [], volumes: [], failures: [] }, 'a second removal finds nothing');
    await assert.rejects(runtime.removeLabelled({}), /at least one label/);
  });
});

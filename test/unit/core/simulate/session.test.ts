import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { projectFileSchema } from '../../../../extension/core/config/project-file';
import { FlError } from '../../../../extension/core/errors';
import { renderCompose } from '../../../../extension/core/generate/deployment';
import type { ContainerSpec } from '../../../../extension/core/ports';
import type { RunEvent } from '../../../../extension/core/runs/run-events';
import { planProblem, planSimulation, type SimulationPlan } from '../../../../extension/core/simulate/plan';
import { SimulationSession } from '../../../../extension/core/simulate/session';
import { FakeClock } from '../../fakes/fake-clock';
import { FakeContainerRuntime } from '../../fakes/fake-container-runtime';

/** Two learners, both needed for a round. */
const two = { training_configuration: { min_available_clients: 2, min_fit_clients: 2, min_evaluate_clients: 2 } };

function plan(project: unknown = two, overrides: { learners?: number; rounds?: number } = {}): SimulationPlan {
  return planSimulation({
    input: { config: projectFileSchema.parse(project), repoName: 'mnist-sklearn' },
    runId: 'mnist-sklearn-abc',
    repoKey: 'repokey123',
    repoPath: '/work/mnist-sklearn',
    owner: '42@host',
    imageTag: 'flops-mnist-sklearn:0123456789abcdef',
    hostPorts: { control: 39093, mlflow: 35000 },
    ...overrides,
  });
}

function metricsLine(round: number, rounds: number, accuracy: number, timeMs = 1000 + round): string {
  return JSON.stringify({ flops: 'round', v: 1, run_id: '7', round, rounds, strategy: 'FedAvg', time_ms: timeMs, train: { 'num-examples': 100 }, evaluate: { loss: 1 / round, accuracy, 'num-examples': 40 }, nodes: { train: 2, evaluate: 2 } });
}

/** A well-behaved federation: when the starter starts, the aggregator runs `rounds` rounds and the starter exits 0. */
function scriptHappyRun(runtime: FakeContainerRuntime, rounds: number): void {
  runtime.onStart = (spec: ContainerSpec, rt) => {
    if (spec.labels['flops.role'] !== 'starter') return;
    const aggregator = rt.named('aggregator');
    for (let r = 1; r <= rounds; r++) {
      rt.log(aggregator, `INFO :      [ROUND ${r}/${rounds}]`);
      rt.log(aggregator, metricsLine(r, rounds, 0.5 + r / 10));
      rt.log(spec.name, metricsLine(r, rounds, 0.5 + r / 10)); // flwr run --stream repeats the line
    }
    rt.exit(spec.name, 0);
  };
}

function session(p: SimulationPlan, runtime: FakeContainerRuntime, events: RunEvent[] = [], startTimeoutMs = 5_000, clock = new FakeClock()): SimulationSession {
  return new SimulationSession(p, { runtime, clock }, { build: { contextDir: '/work/mnist-sklearn', files: ['model_manager.py', '.flops/Dockerfile'] }, startTimeoutMs, onEvent: (e) => events.push(e) });
}

describe('simulate: plan', () => {
  it('derives the same topology and commands as the generated compose file', () => {
    const project = { training_configuration: { min_available_clients: 3, min_fit_clients: 3, min_evaluate_clients: 3 } };
    const p = plan(project);
    const compose = parse(renderCompose({ config: projectFileSchema.parse(project), flavor: 'sklearn', repoName: 'mnist-sklearn', dependencies: { source: 'conda.yaml', requirements: [], skipped: [] } })) as { services: Record<string, { command: string[] }> };
    assert.deepEqual(p.members.map((m) => m.service), ['aggregator', 'learner-1', 'learner-2', 'learner-3', 'run']);
    for (const m of p.members) assert.deepEqual(m.spec.cmd, compose.services[m.service]?.command, `${m.service} runs what compose.yaml runs`);
    assert.equal(p.learners, 3);
    assert.equal(p.image.dockerfile, '.flops/Dockerfile');
  });

  it('labels every container for compose and for finding the run, and names it like compose v2', () => {
    const p = plan();
    const learner = p.members.find((m) => m.service === 'learner-2');
    assert.equal(learner?.spec.name, 'mnist-sklearn-abc-learner-2-1');
    assert.equal(learner?.spec.labels['com.docker.compose.project'], 'mnist-sklearn-abc');
    assert.equal(learner?.spec.labels['com.docker.compose.service'], 'learner-2');
    assert.equal(learner?.spec.labels['flops.run'], 'mnist-sklearn-abc');
    assert.equal(learner?.spec.labels['flops.repo'], 'repokey123');
    assert.equal(learner?.spec.labels['flops.owner'], '42@host');
    assert.equal(learner?.spec.labels['flops.learner'], '2');
    assert.deepEqual(learner?.spec.aliases, ['learner-2']);
    assert.equal(p.network, 'mnist-sklearn-abc_default');
  });

  it('gives each learner its hardware profile, and overrides learners and rounds', () => {
    const p = plan({ ...two, simulation: { learner_profiles: [{ count: 2, preset: 'pi-class' }, { count: 1, preset: 'laptop', memory_mb: 3000 }] } });
    const learners = p.members.filter((m) => m.role === 'learner');
    assert.deepEqual(
      learners.map((m) => [m.profile, m.spec.cpus, m.spec.memoryMb]),
      [
        ['pi-class', 0.5, 512],
        ['pi-class', 0.5, 512],
        ['laptop', 2, 3000],
      ],
    );
    const overridden = plan(two, { learners: 5, rounds: 7 });
    assert.equal(overridden.learners, 5);
    assert.equal(overridden.rounds, 7);
    assert.deepEqual(overridden.members.at(-1)?.spec.cmd.slice(-2), ['--run-config', 'num-server-rounds=7']);
  });

  it('refuses a run that could never start its first round', () => {
    assert.match(planProblem(plan({ training_configuration: { min_available_clients: 3, min_fit_clients: 2, min_evaluate_clients: 2 } }, { learners: 2 })) ?? '', /min_available_clients = 3.*starts 2/);
    assert.equal(planProblem(plan()), undefined);
    assert.throws(() => plan(two, { learners: 0 }), /at least 1/);
  });
});

describe('simulate: session over a fake engine', () => {
  it('builds a new image, runs the rounds, reports metrics once per round, and removes everything', async () => {
    const runtime = new FakeContainerRuntime();
    scriptHappyRun(runtime, 2);
    const events: RunEvent[] = [];
    const view = await session(plan(), runtime, events).run();
    assert.equal(view.outcome, 'succeeded', view.message);
    assert.deepEqual(view.history.map((r) => r.evaluate?.['accuracy']), [0.6, 0.7]);
    assert.equal(events.filter((e) => e.type === 'roundFinished').length, 2, 'the repeated line from flwr run is not a second round');
    assert.equal(runtime.builds.length, 1);
    assert.deepEqual(runtime.builds[0]?.files, ['model_manager.py', '.flops/Dockerfile']);
    assert.ok(events.some((e) => e.type === 'imageBuildStep' && e.index === 2));
    assert.deepEqual(runtime.leftovers(), []);
    assert.ok(view.members.every((m) => m.state === 'removed'));
    assert.equal(events.at(-1)?.type, 'runFinished');
    // the aggregator and learners start before the starter
    assert.deepEqual(runtime.calls.filter((c) => c.startsWith('start ')).at(-1), 'start mnist-sklearn-abc-run-1');
  });

  it('removes the superseded images of the same repository after a build, and only those', async () => {
    const runtime = new FakeContainerRuntime();
    runtime.images.add('flops-mnist-sklearn:old');
    runtime.imageLabels.set('flops-mnist-sklearn:old', { 'flops.image': 'simulation', 'flops.repo': 'repokey123' });
    runtime.images.add('flops-mnist-sklearn:other-repo');
    runtime.imageLabels.set('flops-mnist-sklearn:other-repo', { 'flops.image': 'simulation', 'flops.repo': 'elsewhere' });
    scriptHappyRun(runtime, 1);
    const logs: string[] = [];
    const view = await new SimulationSession(plan(two, { rounds: 1 }), { runtime, clock: new FakeClock(1) }, { build: { contextDir: '/x', files: [] }, onLog: (service, line) => logs.push(`${service}: ${line}`) }).run();
    assert.equal(view.outcome, 'succeeded');
    assert.deepEqual([...runtime.images].sort(), ['flops-mnist-sklearn:0123456789abcdef', 'flops-mnist-sklearn:other-repo']);
    assert.ok(logs.includes('build: Removed superseded images of this repository: flops-mnist-sklearn:old'), logs.join('\n'));
    assert.deepEqual(runtime.builds[0]?.labels, { 'flops.image': 'simulation', 'flops.repo': 'repokey123' });
  });

  it('reports a run whose containers were removed from outside (flops sim down elsewhere) as stopped', async () => {
    const runtime = new FakeContainerRuntime();
    runtime.onStart = (spec, rt) => {
      if (spec.labels['flops.role'] !== 'starter') return;
      rt.log(rt.named('aggregator'), 'INFO :      configure_train: Sampled 2 nodes (out of 2)');
      setImmediate(() => void rt.removeLabelled({ 'flops.run': 'mnist-sklearn-abc' }));
    };
    const view = await session(plan(), runtime).run();
    assert.equal(view.outcome, 'stopped');
    assert.match(view.message ?? '', /^Stopped from outside: its containers were removed/);
    assert.ok(view.members.every((m) => m.reason === undefined || !m.reason.includes('INFO')), 'Flower chatter is never a reason');
  });

  it('does not build when the image with the content-hash tag exists', async () => {
    const runtime = new FakeContainerRuntime();
    runtime.images.add('flops-mnist-sklearn:0123456789abcdef');
    scriptHappyRun(runtime, 1);
    const events: RunEvent[] = [];
    const view = await session(plan(two, { rounds: 1 }), runtime, events).run();
    assert.equal(view.outcome, 'succeeded');
    assert.equal(runtime.builds.length, 0);
    assert.ok(events.some((e) => e.type === 'imageReady' && !e.built));
  });

  it('names the exception of a learner whose code fails to import, and the failed run', async () => {
    const runtime = new FakeContainerRuntime();
    runtime.onStart = (spec, rt) => {
      if (spec.labels['flops.learner'] === '2') {
        rt.log(spec.name, 'Traceback (most recent call last):', 'stderr');
        rt.log(spec.name, '  File "/app/model_manager.py", line 3, in <module>', 'stderr');
        rt.log(spec.name, "ModuleNotFoundError: No module named 'torch'", 'stderr');
      }
      if (spec.labels['flops.role'] === 'starter') {
        rt.log(rt.named('aggregator'), 'ERROR :     ServerApp failed: no train replies in round 1');
        rt.exit(spec.name, 1);
      }
    };
    const view = await session(plan(), runtime).run();
    const learner = view.members.find((m) => m.service === 'learner-2');
    assert.match(learner?.reason ?? '', /ModuleNotFoundError: No module named 'torch' \(File "\/app\/model_manager.py", line 3/);
    assert.equal(view.outcome, 'failed');
    assert.match(view.message ?? '', /The run failed \(exit code 1\)/);
    assert.deepEqual(runtime.leftovers(), []);
  });

  it('fails with a message, not a hang, when round 1 never starts', async () => {
    const runtime = new FakeContainerRuntime();
    runtime.onStart = (spec, rt) => {
      if (spec.labels['flops.role'] === 'aggregator') rt.log(spec.name, 'INFO :      Waiting for nodes to connect: 1 connected (minimum required: 2).');
      if (spec.labels['flops.learner'] === '1') rt.exit(spec.name, 1);
    };
    const events: RunEvent[] = [];
    const clock = new FakeClock();
    const running = session(plan(), runtime, events, 50, clock).run();
    // The start timeout fires when its time has passed: once the learner has exited and the aggregator waits.
    while (!events.some((e) => e.type === 'learnerFailed')) await new Promise((resolve) => setImmediate(resolve));
    clock.advance(50);
    const view = await running;
    assert.equal(view.outcome, 'failed');
    assert.match(view.message ?? '', /Round 1 did not start within 0 s: the aggregator needs 2 learners \(min_available_clients\) and 1 of 2 are running/);
    assert.match(view.message ?? '', /learner-1: exited with code 1/);
    assert.ok(events.some((e) => e.type === 'waitingForLearners' && e.connected === 1 && e.required === 2));
    assert.deepEqual(runtime.leftovers(), []);
  });

  it('ends a run whose aggregator waits too long for learners after a drop-out, instead of hanging', async () => {
    const runtime = new FakeContainerRuntime();
    const clock = new FakeClock(1_000_000);
    runtime.onStart = (spec, rt) => {
      if (spec.labels['flops.role'] !== 'starter') return;
      const aggregator = rt.named('aggregator');
      rt.log(aggregator, 'INFO :      [ROUND 1/3]');
      rt.log(aggregator, metricsLine(1, 3, 0.8));
      rt.exit(rt.named('learner-2'), 137);
      rt.log(aggregator, 'INFO :      [ROUND 2/3]');
      void (async () => {
        // Flower repeats the line every second while it waits; one every 10 s here, for 190 s.
        for (let i = 0; i <= 19 && s.active; i++) {
          await new Promise((resolve) => setImmediate(resolve));
          rt.log(aggregator, 'INFO :      Waiting for nodes to connect: 1 connected (minimum required: 2).');
          clock.advance(10_000);
        }
      })();
    };
    const s = new SimulationSession(plan(), { runtime, clock }, { build: { contextDir: '/x', files: [] }, startTimeoutMs: 180_000 });
    const view = await s.run();
    assert.equal(view.outcome, 'failed');
    assert.match(view.message ?? '', /^After round 1 the aggregator waited 180 s for learners: it needs 2 \(min_available_clients\) and 1 is connected\. Learner problems: learner-2: killed \(exit code 137, SIGKILL\)\./);
    assert.deepEqual(runtime.leftovers(), []);
  });

  it('reports an out-of-memory learner and a learner killed from the monitor, and goes on', async () => {
    const runtime = new FakeContainerRuntime();
    const s = session(plan(two, { rounds: 1 }), runtime);
    runtime.onStart = (spec, rt) => {
      if (spec.labels['flops.role'] !== 'starter') return;
      rt.exit(rt.named('learner-1'), 137, true);
      void s.killLearner(2).then(() => {
        rt.log(rt.named('aggregator'), metricsLine(1, 1, 0.8));
        rt.exit(spec.name, 0);
      });
    };
    const view = await s.run();
    assert.equal(view.outcome, 'succeeded');
    const [first, second] = view.members.filter((m) => m.role === 'learner');
    assert.match(first?.reason ?? '', /out of memory: killed at its 1024 MB limit/);
    assert.equal(first?.oomKilled, true);
    assert.match(second?.reason ?? '', /killed from the run monitor/);
  });

  it('stops on request and cancels on the signal, removing everything both times', async () => {
    const runtime = new FakeContainerRuntime();
    const s = session(plan(), runtime);
    runtime.onStart = (spec) => {
      if (spec.labels['flops.role'] === 'starter') s.stop();
    };
    const stopped = await s.run();
    assert.equal(stopped.outcome, 'stopped');
    assert.deepEqual(runtime.leftovers(), []);

    const controller = new AbortController();
    const runtime2 = new FakeContainerRuntime();
    runtime2.onStart = (spec) => {
      if (spec.labels['flops.role'] === 'aggregator') controller.abort();
    };
    const cancelled = await session(plan(), runtime2).run(controller.signal);
    assert.equal(cancelled.outcome, 'cancelled');
    assert.deepEqual(runtime2.leftovers(), []);
  });

  it('rejects with dockerUnavailable when no engine answers, creating nothing', async () => {
    const runtime = new FakeContainerRuntime();
    runtime.pingError = new FlError('dockerUnavailable', 'Docker is not running');
    const events: RunEvent[] = [];
    const s = session(plan(), runtime, events);
    await assert.rejects(s.run(), (e: unknown) => e instanceof FlError && e.kind === 'dockerUnavailable');
    assert.equal(s.view.outcome, 'failed');
    assert.equal(runtime.networks.size, 0);
  });

  it('reports a failed build with the engine message and starts nothing', async () => {
    const runtime = new FakeContainerRuntime();
    runtime.buildError = new Error('Step 5/12 : RUN python3 -m pip install … failed: No matching distribution found for torch==9.9');
    const view = await session(plan(), runtime).run();
    assert.equal(view.outcome, 'failed');
    assert.match(view.message ?? '', /No matching distribution found for torch/);
    assert.equal(runtime.calls.filter((c) => c.startsWith('start ')).length, 0);
    assert.deepEqual(runtime.leftovers(), []);
  });

  it('says what to do when the base image cannot be pulled', async () => {
    const runtime = new FakeContainerRuntime();
    runtime.buildError = new Error('Step 1/14 : FROM python:3.10-slim failed: pull access denied for python, repository does not exist or may require docker login');
    const view = await session(plan(), runtime).run();
    assert.equal(view.outcome, 'failed');
    assert.match(view.message ?? '', /The base image python:3.10-slim is not on this Docker engine .*docker pull python:3.10-slim.*image.base_image/);
    runtime.images.add('python:3.10-slim');
    const again = await session(plan(), runtime).run();
    assert.match(again.message ?? '', /^Step 1\/14/, 'a local base image means the failure is something else: the engine message stays');
  });

  it('starts MLflow first when the project asks for it, and says what to do when its image is missing', async () => {
    const withMlflow = plan({ ...two, simulation: { mlflow: { enabled: true, port: 5055 } } });
    const mlflow = withMlflow.members[0];
    assert.equal(mlflow?.service, 'mlflow');
    assert.deepEqual(mlflow?.spec.ports, [{ container: 5000, host: 5055 }]);
    const runtime = new FakeContainerRuntime();
    const view = await session(withMlflow, runtime).run();
    assert.equal(view.outcome, 'failed');
    assert.match(view.message ?? '', /The MLflow image ghcr.io\/mlflow\/mlflow:v3.7.0 is not on this Docker engine\. Pull it .* or set simulation\.mlflow\.enabled to false/);
    assert.equal(runtime.builds.length, 0, 'checked before the build');

    runtime.images.add('ghcr.io/mlflow/mlflow:v3.7.0');
    scriptHappyRun(runtime, 1);
    const ok = await session(plan({ ...two, simulation: { mlflow: { enabled: true } } }, { rounds: 1 }), runtime).run();
    assert.equal(ok.outcome, 'succeeded', ok.message);
    assert.deepEqual(runtime.calls.filter((c) => c.startsWith('start ')).map((c) => c.split('-').at(-2)), ['mlflow', 'aggregator', '1', '2', 'run']);
  });

  it('names the learner and its profile when the engine refuses to start it, and removes the rest', async () => {
    const runtime = new FakeContainerRuntime();
    runtime.startError = (spec) => (spec.cpus === 4 ? new Error('Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available') : undefined);
    const view = await session(plan({ ...two, simulation: { learner_profiles: [{ count: 1, preset: 'laptop' }, { count: 1, preset: 'server' }] } }), runtime).run();
    assert.equal(view.outcome, 'failed');
    assert.equal(view.message, 'Could not start learner-2 (server: 4 CPU, 8192 MB): Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available');
    assert.deepEqual(runtime.leftovers(), []);
  });

  it('fails when the aggregator dies, with its last exception', async () => {
    const runtime = new FakeContainerRuntime();
    runtime.onStart = (spec, rt) => {
      if (spec.labels['flops.role'] !== 'starter') return;
      const aggregator = rt.named('aggregator');
      rt.log(aggregator, 'Traceback (most recent call last):');
      rt.log(aggregator, '  File "/app/model_manager.py", line 9, in get_model_parameters');
      rt.log(aggregator, 'AttributeError: model has no coef_');
      rt.exit(aggregator, 1);
    };
    const view = await session(plan(), runtime).run();
    assert.equal(view.outcome, 'failed');
    assert.match(view.message ?? '', /The aggregator stopped \(exit code 1\): AttributeError: model has no coef_/);
  });

  it('pauses, resumes and restarts a learner; the view follows the engine events', async () => {
    const runtime = new FakeContainerRuntime();
    const s = session(plan(two, { rounds: 1 }), runtime);
    const states: string[] = [];
    runtime.onStart = (spec, rt) => {
      if (spec.labels['flops.role'] !== 'starter') return;
      void (async () => {
        await s.pauseLearner(1);
        states.push(s.view.members.find((m) => m.service === 'learner-1')?.state ?? '');
        await s.resumeLearner(1);
        await s.restartLearner(2);
        states.push(s.view.members.find((m) => m.service === 'learner-2')?.state ?? '');
        await assert.rejects(s.pauseLearner(9) ?? Promise.resolve(), /there is no learner 9/);
        rt.log(rt.named('aggregator'), metricsLine(1, 1, 0.9));
        rt.exit(spec.name, 0);
      })();
    };
    const view = await s.run();
    assert.equal(view.outcome, 'succeeded');
    assert.deepEqual(states, ['paused', 'running']);
  });
});

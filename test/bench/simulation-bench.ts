import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { DockerRuntime } from '../../extension/io/docker/runtime';
import { LocalSimulationLauncher } from '../../extension/core/simulate/local-simulation';
import { repoKey, simulationPorts } from '../../extension/io/simulation-ports';
import { PythonPool } from '../../extension/io/python-pool';
import { ensureBaseImage } from '../docker/base-image';
import { copyExampleForFakeFlower, ensureFakeFlowerImage } from '../docker/fake-flower-image';

/**
 * Simulation figures of issue #5, images cached: command → all N learners running (N = 2, 10, 20), the
 * per-learner increment, command → round 1 started, the CLI/extension process's own CPU and memory while
 * a run streams logs, and teardown of N = 20. The baseline, measured in the same run, is one plain
 * `docker run -d` + `docker rm -f` of the same image through the docker CLI.
 */

function dockerMs(args: string[]): number {
  const t = performance.now();
  const r = spawnSync('docker', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr}`);
  return performance.now() - t;
}

export async function simulationFigures(say: (line: string) => void, scratch: string, root: string): Promise<void> {
  if (spawnSync('docker', ['info'], { encoding: 'utf8' }).status !== 0) {
    say('# simulation benchmark: skipped (no Docker engine answers)');
    return;
  }
  ensureBaseImage(() => undefined);
  const fake = ensureFakeFlowerImage((line) => say(`  ${line}`));
  const dir = path.join(scratch, 'bench-sim');
  copyExampleForFakeFlower(dir, fake, { training_configuration: { data_tags: ['digits'], training_rounds: 2, min_available_clients: 2, min_fit_clients: 2, min_evaluate_clients: 2 }, simulation: { learner_resources: { cpus: 0.5, memory_mb: 512 } } });

  // Baseline: one container started and removed by the docker CLI.
  const baseline: number[] = [];
  for (let i = 0; i < 3; i++) {
    const name = `flops-bench-baseline-${process.pid}-${i}`;
    const start = dockerMs(['run', '-d', '--name', name, fake, 'sleep', '30']);
    baseline.push(start + dockerMs(['rm', '-f', name]));
  }
  const baselineMs = [...baseline].sort((a, b) => a - b)[1] ?? NaN;
  say(`# simulation benchmark (images cached; baseline: docker run -d + rm -f of one container = ${baselineMs.toFixed(0)} ms)`);

  const analyzer = new PythonPool({ wasmDir: path.join(root, 'dist') });
  const launcher = new LocalSimulationLauncher(simulationPorts(analyzer, { runtimeFor: () => new DockerRuntime() }));
  try {
    // Warm-up: builds the image once, so the figures below are with the image cached.
    const warm = await launcher.prepare(dir, { learners: 2, rounds: 1 });
    if (warm.kind !== 'ready') throw new Error(`bench repo not ready: ${JSON.stringify(warm).slice(0, 500)}`);
    const warmView = await warm.session.run();
    if (warmView.outcome !== 'succeeded') throw new Error(`warm-up run failed: ${warmView.message ?? ''}`);

    const allRunning: Record<number, number> = {};
    for (const n of [2, 10, 20]) {
      const t0 = performance.now();
      let runningAt = NaN;
      let roundAt = NaN;
      let streamStart = NaN;
      let cpuAtStream: NodeJS.CpuUsage | undefined;
      let rssPeak = 0;
      let lines = 0;
      const start = await launcher.prepare(dir, {
        learners: n,
        rounds: n === 10 ? 2 : 1,
        onEvent: (event, view) => {
          if (Number.isNaN(runningAt) && view.members.filter((m) => m.role === 'learner' && m.state === 'running').length === n) {
            runningAt = performance.now() - t0;
            streamStart = performance.now();
            cpuAtStream = process.cpuUsage();
          }
          if (event.type === 'roundStarted' && Number.isNaN(roundAt)) roundAt = performance.now() - t0;
          rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        },
        onLog: () => {
          lines += 1;
        },
      });
      if (start.kind !== 'ready') throw new Error(`bench repo not ready for N=${n}`);
      const view = await start.session.run();
      const streamEnd = performance.now();
      allRunning[n] = runningAt;
      const cpu = cpuAtStream !== undefined ? process.cpuUsage(cpuAtStream) : undefined;
      const cpuPercent = cpu !== undefined ? ((cpu.user + cpu.system) / 1000 / (streamEnd - streamStart)) * 100 : NaN;
      say(
        `N=${String(n).padStart(2)}: all learners running after ${(runningAt / 1000).toFixed(2)} s (${(runningAt / baselineMs).toFixed(1)}x baseline)` +
          `, round 1 started after ${(roundAt / 1000).toFixed(2)} s, outcome ${view.outcome ?? '?'}` +
          `; while streaming (${lines} log lines): ${cpuPercent.toFixed(1)}% of one core, RSS peak ${(rssPeak / 1024 / 1024).toFixed(0)} MB`,
      );
    }
    const n2 = allRunning[2] ?? NaN;
    const n20 = allRunning[20] ?? NaN;
    say(`per-learner increment (N=2 → N=20): ${((n20 - n2) / 18).toFixed(0)} ms = ${((n20 - n2) / 18 / baselineMs).toFixed(2)}x baseline; target: round 1 within 10 s for N=10`);

    // Teardown of 20: from stop() to run() resolved (containers, network, volume removed).
    const current: { session?: { stop(): void } } = {};
    let stoppedAt = NaN;
    const start = await launcher.prepare(dir, {
      learners: 20,
      rounds: 50,
      onEvent: (event) => {
        if (event.type === 'roundFinished' && Number.isNaN(stoppedAt)) {
          stoppedAt = performance.now();
          current.session?.stop();
        }
      },
    });
    if (start.kind !== 'ready') throw new Error('bench repo not ready for the teardown');
    current.session = start.session;
    await start.session.run();
    const teardownMs = performance.now() - stoppedAt;
    say(`teardown of N=20 (21 containers, network, volume): ${(teardownMs / 1000).toFixed(2)} s = ${(teardownMs / baselineMs).toFixed(1)}x baseline`);
  } finally {
    await launcher.down(dir).catch(() => undefined);
    // The bench repository's image: built for this run only.
    const key = await repoKey(dir);
    const images = spawnSync('docker', ['image', 'ls', '-q', '--filter', `label=flops.repo=${key}`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    if (images.length > 0) spawnSync('docker', ['image', 'rm', '-f', ...new Set(images)]);
    analyzer.dispose();
  }
}

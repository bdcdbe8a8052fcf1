import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DockerRuntime } from '../../extension/io/docker/runtime';
import { LocalSimulationLauncher } from '../../extension/core/simulate/local-simulation';
import { simulationPorts } from '../../extension/io/simulation-ports';
import { PythonPool } from '../../extension/io/python-pool';
import { distDir } from '../unit/repo-paths';
import { killedCliThenDown, runCycles } from './cycles';
import { run } from './docker-cli';
import { copyExampleForFakeFlower, ensureFakeFlowerImage } from './fake-flower-image';

/**
 * `npm run cycles`: FLOPS_CYCLES (default 50) start → end-at-a-random-phase cycles against the real
 * engine, then a SIGKILLed `flops sim up` and `flops sim down`; prints the counts, exit 1 on any orphan
 * or history mismatch. Needs the Docker test images (`npm run test:images`).
 */
async function main(): Promise<void> {
  const count = Number(process.env['FLOPS_CYCLES'] ?? 50);
  const seed = Number(process.env['FLOPS_CYCLES_SEED'] ?? 20261203);
  const scratch = mkdtempSync(path.join(tmpdir(), 'flops-cycles-'));
  const dir = path.join(scratch, `cycles-${process.pid}`);
  const analyzer = new PythonPool({ wasmDir: distDir });
  const runtime = new DockerRuntime();
  const launcher = new LocalSimulationLauncher(simulationPorts(analyzer, { runtimeFor: () => runtime }));
  const countAll = (): number[] => [['ps', '-aq'], ['network', 'ls', '-q'], ['volume', 'ls', '-q']].map((args) => run('docker', args).stdout.split('\n').filter(Boolean).length);
  const started = Date.now();
  try {
    copyExampleForFakeFlower(dir, ensureFakeFlowerImage((line) => process.stdout.write(`${line}\n`)), {
      training_configuration: { data_tags: ['digits'], training_rounds: 50, min_available_clients: 2, min_fit_clients: 2, min_evaluate_clients: 2 },
    });
    const before = countAll();
    const counts = await runCycles(launcher, dir, { count, seed, log: (line) => process.stdout.write(`[cycles] ${line}\n`) });
    const killed = await killedCliThenDown(dir);
    const after = countAll();
    const engineDelta = after.map((n, i) => n - (before[i] ?? 0));
    process.stdout.write(
      `[cycles] seed ${seed}: ${counts.cycles} cycles (build ${counts.byPhase.build}, start ${counts.byPhase.start}, waiting ${counts.byPhase.waiting}, mid-round ${counts.byPhase.midRound}; phase reached in ${counts.phaseReached}), ${counts.orphans} orphans, ${counts.historyMismatches} history mismatches; SIGKILLed CLI + sim down: ${killed.removed}, ${killed.left.length} left, history "${String(killed.outcome)}"; engine objects before/after: containers ${before[0]}/${after[0]}, networks ${before[1]}/${after[1]}, volumes ${before[2]}/${after[2]}; ${Math.round((Date.now() - started) / 1000)} s\n`,
    );
    for (const problem of counts.problems) process.stdout.write(`[cycles] problem: ${problem}\n`);
    if (counts.orphans > 0 || counts.historyMismatches > 0 || killed.left.length > 0 || killed.outcome !== 'interrupted' || engineDelta.some((d) => d !== 0)) process.exitCode = 1;
  } finally {
    await launcher.down(dir).catch(() => undefined);
    const tags = run('docker', ['image', 'ls', '--filter', `reference=flops-${path.basename(dir)}`, '--format', '{{.Repository}}:{{.Tag}}']).stdout.split('\n').filter(Boolean);
    if (tags.length > 0) run('docker', ['image', 'rm', '-f', ...tags]);
    analyzer.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

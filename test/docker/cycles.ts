import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import type { RunEvent, RunOutcome } from '../../extension/core/runs/run-events';
import type { SimulationSession } from '../../extension/core/simulate/session';
import type { LocalSimulationLauncher } from '../../extension/core/simulate/local-simulation';
import { repoKey } from '../../extension/io/simulation-ports';
import { distDir } from '../unit/repo-paths';
import { run } from './docker-cli';

/**
 * Start/cancel/kill cycles against the real engine (issue 13): each cycle starts a simulation of one
 * repository, ends it at a seeded random phase (during the image build, while members start, while the
 * aggregator waits for learners after a drop-out, mid-round) after killing a learner where there is one,
 * by cancelling its signal or by stop(). After each cycle nothing of the repository may be left on the
 * engine, and its run history must hold the cycle with the outcome it was ended with.
 */

export type CyclePhase = 'build' | 'start' | 'waiting' | 'midRound';
export const cyclePhases: readonly CyclePhase[] = ['build', 'start', 'waiting', 'midRound'];

export interface CycleCounts {
  cycles: number;
  byPhase: Record<CyclePhase, number>;
  /** Cycles whose phase was reached before the run ended by itself. */
  phaseReached: number;
  /** Containers, networks or volumes of the repository still on the engine after a cycle. */
  orphans: number;
  /** Cycles whose history record is missing or has another outcome than the one the cycle ended with. */
  historyMismatches: number;
  problems: string[];
}

/** A small seeded generator (mulberry32), so a cycle sequence can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Objects of the repository on the engine (by its flops.repo label), as `kind name` lines. */
export async function leftovers(dir: string): Promise<string[]> {
  const label = `flops.repo=${await repoKey(dir)}`;
  const found: string[] = [];
  for (const kind of [['ps', '-a'], ['network', 'ls'], ['volume', 'ls']]) {
    const listed = run('docker', [...kind, '--filter', `label=${label}`, '--format', '{{.Names}}{{.Name}}']);
    for (const name of listed.stdout.split('\n').filter((l) => l.trim() !== '')) found.push(`${kind[0] === 'ps' ? 'container' : kind[0]} ${name}`);
  }
  return found;
}

/** Runs `count` cycles on `dir` (a repository the launcher can simulate, with enough rounds to outlast a cycle). */
export async function runCycles(launcher: LocalSimulationLauncher, dir: string, options: { count: number; seed: number; phases?: readonly CyclePhase[]; inTurn?: boolean; log?: (line: string) => void }): Promise<CycleCounts> {
  const random = seededRandom(options.seed);
  const phases = options.phases ?? cyclePhases;
  const counts: CycleCounts = { cycles: 0, byPhase: { build: 0, start: 0, waiting: 0, midRound: 0 }, phaseReached: 0, orphans: 0, historyMismatches: 0, problems: [] };
  for (let i = 0; i < options.count; i++) {
    // `inTurn`: every phase in order (the short version covers each); else a seeded random one.
    const pick = random();
    const phase = phases[options.inTurn === true ? i % phases.length : Math.floor(pick * phases.length)] ?? 'midRound';
    const byStop = random() < 0.5;
    counts.cycles++;
    counts.byPhase[phase]++;
    // A build needs a changed input: a comment that changes the image tag.
    if (phase === 'build') appendFileSync(path.join(dir, 'model_manager.py'), `\n# cycle ${i}\n`);
    const controller = new AbortController();
    const current: { session?: SimulationSession; ended: boolean; reached: boolean; killed: boolean } = { ended: false, reached: false, killed: false };
    const end = (): void => {
      if (current.ended) return;
      current.ended = true;
      if (byStop) current.session?.stop();
      else controller.abort();
    };
    const kill = (learner: number): void => {
      current.killed = true;
      void current.session?.killLearner(learner).catch(() => undefined);
    };
    const onEvent = (event: RunEvent): void => {
      if (current.reached) return;
      switch (phase) {
        case 'build':
          if (event.type === 'imageBuildStep' || event.type === 'imageBuildStarted') {
            current.reached = true;
            end();
          }
          return;
        case 'start':
          if (event.type === 'memberState' && event.service === 'learner-1' && event.state === 'running') {
            current.reached = true;
            kill(1);
            end();
          }
          return;
        case 'waiting':
          // A drop-out below min_available_clients makes the aggregator wait for learners.
          if (event.type === 'roundFinished' && !current.killed) kill(2);
          else if (event.type === 'waitingForLearners' && current.killed) {
            current.reached = true;
            end();
          }
          return;
        case 'midRound':
          if (event.type === 'roundStarted' && event.round >= 2) {
            current.reached = true;
            kill(1);
            end();
          }
          return;
      }
    };
    const start = await launcher.prepare(dir, { onEvent, startTimeoutMs: 60_000 });
    if (start.kind !== 'ready') {
      counts.problems.push(`cycle ${i}: did not start: ${JSON.stringify(start).slice(0, 500)}`);
      continue;
    }
    current.session = start.session;
    const view = await start.session.run(controller.signal);
    await start.recorded();
    if (current.reached) counts.phaseReached++;
    const expected: RunOutcome | undefined = current.ended ? (byStop ? 'stopped' : 'cancelled') : undefined;
    const left = await leftovers(dir);
    if (left.length > 0) {
      counts.orphans += left.length;
      counts.problems.push(`cycle ${i} (${phase}): left ${left.join(', ')}`);
      await launcher.down(dir);
    }
    const record = (await launcher.runs(dir))[0];
    if (record?.runId !== view.runId || (expected !== undefined && record.outcome !== expected) || record.outcome !== view.outcome) {
      counts.historyMismatches++;
      counts.problems.push(`cycle ${i} (${phase}): history has ${record?.runId ?? 'nothing'} ${String(record?.outcome)}, the run ${view.runId} ended ${view.outcome}${expected !== undefined ? ` (expected ${expected})` : ''}`);
    }
    options.log?.(`cycle ${i + 1}/${options.count}: ${phase}${current.reached ? '' : ' (not reached)'}, ${byStop ? 'stop()' : 'cancel'} → ${view.outcome}, ${left.length} left`);
  }
  return counts;
}

/**
 * `flops sim up` killed with SIGKILL once it runs (no chance to clean up), then `flops sim down`: the
 * objects it removed, what is left afterwards, and the history's outcome for the run.
 */
export async function killedCliThenDown(dir: string): Promise<{ removed: string; left: string[]; outcome: string | undefined }> {
  const cli = path.join(distDir, 'cli.js');
  const child = spawn(process.execPath, [cli, 'sim', 'up', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no round line from flops sim up within 300 s:\n${output}`)), 300_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/round 1\/\d+ {2}loss/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => reject(new Error(`flops sim up exited before round 1:\n${output}`)));
  });
  child.kill('SIGKILL');
  await exited;
  const down = run(process.execPath, [cli, 'sim', 'down', dir]);
  if (down.status !== 0) throw new Error(`flops sim down failed: ${down.stderr}`);
  const history = run(process.execPath, [cli, 'sim', 'runs', dir, '--format', 'json']);
  const records = (JSON.parse(history.stdout) as { runs: { outcome?: string }[] }).runs;
  return { removed: down.stdout.trim(), left: await leftovers(dir), outcome: records[0]?.outcome };
}

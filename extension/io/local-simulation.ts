import { createHash, randomBytes } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { imageReferenceProblem } from '../core/config/image-reference';
import { FlError } from '../core/errors';
import { simulationLearners } from '../core/config/project-file';
import { imageBuildArgs } from '../core/generate/deployment';
import { appName } from '../core/generate/render';
import type { ContainerRuntime, Logger, PythonAnalyzer, RemovalReport } from '../core/ports';
import { recordFromView, type RunRecord } from '../core/simulate/history';
import type { PrepareSimulationOptions, SimulationLauncher, SimulationStart } from '../core/simulate/launcher';
import { labelKeys, makeRunId, planProblem, planSimulation } from '../core/simulate/plan';
import { SimulationSession } from '../core/simulate/session';
import { imageTag, listBuildContext } from './build-context';
import { dockerRuntimeFor } from './docker/runtime';
import { freeLocalPorts } from './free-port';
import { applyPlan } from './generated-writer';
import { SimpleGitInspector } from './git-inspector';
import { prepareGeneration } from './prepare-generation';
import { readRunRecords, runsFolder, writeRunRecord } from './run-history';

/**
 * The local simulation use case for the editor and the CLI: generate (keeping edited files), hash the
 * build context into the image tag, plan, clear leftovers of dead runs, and hand back a session that
 * records its history as it goes.
 */

/** Stable id of a repository folder on this machine: runs of the same folder share it. */
export async function repoKey(dir: string): Promise<string> {
  const real = await realpath(dir).catch(() => path.resolve(dir));
  return createHash('sha256').update(real).digest('hex').slice(0, 12);
}

export function currentOwner(): string {
  return `${process.pid}@${os.hostname()}`;
}

/**
 * Whether the process named by an owner label ("<pid>@<host>") still runs. Owners on another host
 * (a shared remote engine) count as alive: we cannot tell, and removing a live run would be worse.
 */
export function isOwnerAlive(owner: string): boolean {
  const match = /^(\d+)@(.*)$/.exec(owner);
  if (match === null) return false;
  if (match[2] !== os.hostname()) return true;
  try {
    process.kill(Number(match[1]), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class LocalSimulationLauncher implements SimulationLauncher {
  constructor(
    private readonly analyzer: PythonAnalyzer,
    private readonly logger?: Logger,
    /** The engine for the next operation (the editor re-reads its Docker host setting each time). */
    private readonly runtimeFor: () => ContainerRuntime = () => dockerRuntimeFor(),
  ) {}

  async prepare(dir: string, options: PrepareSimulationOptions = {}): Promise<SimulationStart> {
    const { signal } = options;
    const step = (message: string): void => options.onStep?.(message);
    step('Checking the repository and generating .flops/');
    const generation = await prepareGeneration(dir, this.analyzer, { ...(options.force === true ? { force: true } : {}), ...(signal !== undefined ? { signal } : {}) });
    if (generation.kind !== 'planned') return generation;
    await applyPlan(generation.outDir, generation.plan);
    const outDir = path.relative(dir, generation.outDir).split(path.sep).join('/');
    const keptEdited = generation.plan.files.filter((f) => f.action === 'keep-edited').map((f) => path.posix.join(outDir, f.path));

    // Checked before Docker: a run that could never start round 1 needs no engine to be refused.
    const early = planProblem({ learners: options.learners ?? simulationLearners(generation.config), minAvailable: generation.config.training_configuration.min_available_clients });
    if (early !== undefined) return { kind: 'invalid', message: early };
    const baseImageProblem = options.baseImage === undefined ? undefined : imageReferenceProblem(options.baseImage, 'The base image');
    if (baseImageProblem !== undefined) return { kind: 'invalid', message: `${baseImageProblem}.` };

    step('Connecting to Docker');
    const runtime = this.runtimeFor();
    await runtime.ping(signal);
    const key = await repoKey(dir);
    const removedLeftovers = await this.clearLeftovers(runtime, key, signal);

    step('Hashing the build context');
    const files = await listBuildContext(dir, signal);
    const repoName = path.basename(path.resolve(dir));
    const config = options.baseImage !== undefined ? { ...generation.config, image: { ...generation.config.image, base_image: options.baseImage } } : generation.config;
    const input = { config, repoName, outDir };
    const buildArgs = imageBuildArgs(config);
    const tag = await imageTag(appName(repoName), dir, files, buildArgs, signal);
    const owner = currentOwner();
    const runId = makeRunId(repoName, `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`);
    const [control = 0, mlflow = 0] = await freeLocalPorts(2);
    const plan = planSimulation({
      input,
      runId,
      hostPorts: { control, mlflow },
      repoKey: key,
      repoPath: path.resolve(dir),
      owner,
      imageTag: tag,
      ...(options.learners !== undefined ? { learners: options.learners } : {}),
      ...(options.rounds !== undefined ? { rounds: options.rounds } : {}),
    });

    const git = await new SimpleGitInspector(dir).inspect(signal).catch(() => undefined);
    const context = { repo: path.resolve(dir), owner, ...(git?.isRepo === true ? { git: { ...(git.head !== undefined ? { commit: git.head } : {}), dirtyFiles: git.dirtyFiles } } : {}) };
    const folder = runsFolder(dir);
    const recordPath = path.join(folder, `${runId}.json`);
    // Records are written one after another, so a slow disk never lets an older view overwrite a newer one.
    let writes: Promise<void> = Promise.resolve();
    const record = (next: RunRecord): void => {
      writes = writes
        .then(() => writeRunRecord(folder, next))
        .then(
          () => undefined,
          (error: unknown) => this.logger?.warn(`Could not write the run history ${recordPath}: ${String(error)}`),
        );
    };
    const session = new SimulationSession(
      plan,
      { runtime, now: Date.now, ...(this.logger !== undefined ? { logger: this.logger } : {}) },
      {
        build: { contextDir: path.resolve(dir), files },
        ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {}),
        onEvent: (event, view) => {
          if (event.type === 'runPlanned' || event.type === 'imageReady' || event.type === 'roundFinished' || event.type === 'learnerFailed' || event.type === 'runFinished') {
            record(recordFromView(view, context));
          }
          options.onEvent?.(event, view);
        },
        ...(options.onLog !== undefined ? { onLog: options.onLog } : {}),
      },
    );
    return { kind: 'ready', session, keptEdited, removedLeftovers, recordPath, recorded: () => writes };
  }

  /**
   * Removes what dead runs of this repository left (their process was killed before it could clean
   * up). Refuses while a run of the repository is alive: two runs would fight over the same data.
   */
  private async clearLeftovers(runtime: ContainerRuntime, key: string, signal: AbortSignal | undefined): Promise<string[]> {
    const containers = await runtime.listContainers({ [labelKeys.repo]: key }, signal);
    const runs = new Map<string, string>();
    for (const c of containers) {
      const run = c.labels[labelKeys.run];
      if (run !== undefined) runs.set(run, c.labels[labelKeys.owner] ?? '');
    }
    for (const [run, owner] of runs) {
      if (isOwnerAlive(owner)) {
        throw new FlError('invalidInput', `A simulation of this repository is still running (run ${run}, process ${owner}). Stop it first ("FLOps: Stop Local Simulation" or \`flops sim down\`).`);
      }
    }
    const report = await runtime.removeLabelled({ [labelKeys.repo]: key }, signal);
    if (report.failures.length > 0) this.logger?.warn(`Leftovers of earlier runs could not all be removed: ${report.failures.join('; ')}`);
    return [...report.containers, ...report.networks, ...report.volumes];
  }

  async runs(dir: string): Promise<RunRecord[]> {
    return readRunRecords(runsFolder(dir), isOwnerAlive, (problem) => this.logger?.warn(problem));
  }

  async down(dir: string, signal?: AbortSignal): Promise<RemovalReport> {
    return this.runtimeFor().removeLabelled({ [labelKeys.repo]: await repoKey(dir) }, signal);
  }
}

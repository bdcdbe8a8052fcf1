import { imageReferenceProblem } from '../config/image-reference';
import { simulationLearners } from '../config/project-file';
import { FlError } from '../errors';
import { imageBuildArgs } from '../generate/deployment';
import type { GenerationPreparation } from '../generate/generation-preparation';
import type { GenerationPlan } from '../generate/manifest';
import { folderName } from '../generate/prepare-generation';
import { appName } from '../generate/runtime-input';
import type { Clock, ContainerRuntime, GitInspector, Logger, RemovalReport } from '../ports';
import { recordFromView, type RunRecord } from '../runs/run-record';
import type { PrepareSimulationOptions, SimulationLauncher, SimulationStart } from './launcher';
import { labelKeys, makeRunId, planProblem, planSimulation, runSettings } from './plan';
import { SimulationSession } from './session';

/**
 * The local simulation use case for the editor and the CLI: generate (keeping edited files), hash the
 * build context into the image tag, plan, clear leftovers of dead runs, and hand back a session that
 * records its history as it goes. Everything outside comes through `SimulationPorts`
 * (io/simulation-ports.ts on this machine, fakes in tests).
 */

/** The build context: what is sent to the engine, and its content hash. */
export interface BuildContextPort {
  /** Files of the context (relative, `/`-separated), `.dockerignore` applied. */
  list(dir: string, signal?: AbortSignal): Promise<string[]>;
  /** `flops-<app>:<16 hex>` over the files' content and the build arguments. */
  tag(app: string, dir: string, files: readonly string[], buildArgs: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<string>;
}

/** The run history of a repository (one record per run). */
export interface RunHistoryPort {
  /** Where a run's record is written, for messages. */
  recordPath(dir: string, runId: string): string;
  write(dir: string, record: RunRecord): Promise<void>;
  /** Every readable record, newest first; an unfinished record of a dead owner reads as interrupted. */
  read(dir: string, onProblem: (problem: string) => void): Promise<RunRecord[]>;
}

/** Which process owns a run, and which repository folder it belongs to. */
export interface RunOwnersPort {
  /** "<pid>@<host>" of this process. */
  current(): string;
  isAlive(owner: string): boolean;
  /** Stable id of a repository folder on this machine: runs of the same folder share it. */
  repoKey(dir: string): Promise<string>;
}

export interface SimulationPorts {
  /** The generate use case over the repository's ports (prepare-generation.ts). */
  prepareGeneration(dir: string, options: { readonly force?: boolean; readonly signal?: AbortSignal }): Promise<GenerationPreparation>;
  applyGeneration(outDir: string, plan: GenerationPlan): Promise<void>;
  /** The engine for the next operation (the editor re-reads its Docker host setting each time). */
  runtime(): ContainerRuntime;
  readonly buildContext: BuildContextPort;
  readonly history: RunHistoryPort;
  readonly owners: RunOwnersPort;
  git(dir: string): GitInspector;
  /** Free loopback ports for the run's published endpoints. */
  freePorts(count: number): Promise<number[]>;
  /** A few random characters that make run ids unique. */
  randomSuffix(): string;
  readonly clock: Clock;
  readonly logger?: Logger;
}

export class LocalSimulationLauncher implements SimulationLauncher {
  constructor(private readonly ports: SimulationPorts) {}

  /** `dir` is the repository's absolute path. */
  async prepare(dir: string, options: PrepareSimulationOptions = {}): Promise<SimulationStart> {
    const { ports } = this;
    const { signal } = options;
    const step = (message: string): void => options.onStep?.(message);
    step('Checking the repository and generating .flops/');
    const generation = await ports.prepareGeneration(dir, { ...(options.force === true ? { force: true } : {}), ...(signal !== undefined ? { signal } : {}) });
    if (generation.kind !== 'planned') return generation;
    await ports.applyGeneration(generation.outDir, generation.plan);
    const outDir = generation.outRelative;
    const keptEdited = generation.plan.files.filter((f) => f.action === 'keep-edited').map((f) => `${outDir}/${f.path}`);

    // Checked before Docker: a run that could never start round 1 needs no engine to be refused.
    const early = planProblem({ learners: options.learners ?? simulationLearners(generation.config), minAvailable: generation.config.training_configuration.min_available_clients });
    if (early !== undefined) return { kind: 'invalid', message: early };
    const baseImageProblem = options.baseImage === undefined ? undefined : imageReferenceProblem(options.baseImage, 'The base image');
    if (baseImageProblem !== undefined) return { kind: 'invalid', message: `${baseImageProblem}.` };

    step('Connecting to Docker');
    const runtime = ports.runtime();
    await runtime.ping(signal);
    const key = await ports.owners.repoKey(dir);
    const removedLeftovers = await this.clearLeftovers(runtime, key, signal);

    step('Hashing the build context');
    const files = await ports.buildContext.list(dir, signal);
    const repoName = folderName(dir);
    const config = options.baseImage !== undefined ? { ...generation.config, image: { ...generation.config.image, base_image: options.baseImage } } : generation.config;
    const input = { config, repoName, outDir };
    const tag = await ports.buildContext.tag(appName(repoName), dir, files, imageBuildArgs(config), signal);
    const owner = ports.owners.current();
    const runId = makeRunId(repoName, `${ports.clock.now().toString(36)}${ports.randomSuffix()}`);
    const [control = 0, mlflow = 0] = await ports.freePorts(2);
    const plan = planSimulation({
      input,
      runId,
      hostPorts: { control, mlflow },
      repoKey: key,
      repoPath: dir,
      owner,
      imageTag: tag,
      ...(options.learners !== undefined ? { learners: options.learners } : {}),
      ...(options.rounds !== undefined ? { rounds: options.rounds } : {}),
    });

    const git = await ports
      .git(dir)
      .inspect(signal)
      .catch((error: unknown) => {
        ports.logger?.debug(`[simulate] no git state for the run record of ${dir}: ${String(error)}`);
        return undefined;
      });
    const context = { repo: dir, owner, settings: runSettings(config), ...(git?.isRepo === true ? { git: { ...(git.head !== undefined ? { commit: git.head } : {}), dirtyFiles: git.dirtyFiles } } : {}) };
    const recordPath = ports.history.recordPath(dir, runId);
    // Records are written one after another, so a slow disk never lets an older view overwrite a newer one.
    let writes: Promise<void> = Promise.resolve();
    const record = (next: RunRecord): void => {
      writes = writes
        .then(() => ports.history.write(dir, next))
        .then(
          () => undefined,
          (error: unknown) => ports.logger?.warn(`Could not write the run history ${recordPath}: ${String(error)}`),
        );
    };
    const session = new SimulationSession(
      plan,
      { runtime, clock: ports.clock, ...(ports.logger !== undefined ? { logger: ports.logger } : {}) },
      {
        build: { contextDir: dir, files },
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
      if (this.ports.owners.isAlive(owner)) {
        throw new FlError('invalidInput', `A simulation of this repository is still running (run ${run}, process ${owner}). Stop it first ("FLOps: Stop Local Simulation" or \`flops sim down\`).`);
      }
    }
    const report = await runtime.removeLabelled({ [labelKeys.repo]: key }, signal);
    if (report.failures.length > 0) this.ports.logger?.warn(`Leftovers of earlier runs could not all be removed: ${report.failures.join('; ')}`);
    return [...report.containers, ...report.networks, ...report.volumes];
  }

  async runs(dir: string): Promise<RunRecord[]> {
    return this.ports.history.read(dir, (problem) => this.ports.logger?.warn(problem));
  }

  async down(dir: string, signal?: AbortSignal): Promise<RemovalReport> {
    return this.ports.runtime().removeLabelled({ [labelKeys.repo]: await this.ports.owners.repoKey(dir) }, signal);
  }
}

import type { GenerationPorts } from '../core/generate/prepare-generation';
import { mlflowSeries, type MlflowSeriesResult } from '../core/metrics/mlflow-series';
import type { GenerationPlan } from '../core/generate/manifest';
import { checkLearner, type LearnerCheckOptions, type LearnerCheckOutcome } from '../core/simulate/learner-check';
import type { ContainerRuntime, GitInspector, PythonAnalyzer, RepoReader } from '../core/ports';
import { LocalSimulationLauncher, type RunHistoryPort, type RunOwnersPort } from '../core/simulate/local-simulation';
import type { SimulationLauncher } from '../core/simulate/launcher';
import { OakestraDeployer } from '../core/deploy/deployer';
import type { RecordRead } from '../core/deploy/deployment-record';
import { deployPorts, fileDeploymentStore } from '../io/deployment-store';
import { dockerRuntimeFor } from '../io/docker/runtime';
import { OakestraClient } from '../io/oakestra-client';
import { applyPlan } from '../io/generated-writer';
import { generationPorts, generationPreparer } from '../io/generation-ports';
import { MlflowClient, type MlflowTarget } from '../io/mlflow-client';
import { SimpleGitInspector } from '../io/git-inspector';
import { pythonCheckRunner } from '../io/learner-check';
import { PythonPool } from '../io/python-pool';
import { FsRepoReader, startsWithByteOrderMark } from '../io/repo-reader';
import { fileRunHistory, processOwners, simulationPorts } from '../io/simulation-ports';

/**
 * The CLI's composition root: the only file of `cli/` that reaches `io/`. Each command gets these
 * services from the dispatcher and builds nothing itself, so a new command (deploy, metrics) asks
 * for what it needs here.
 */
export interface CliServices {
  /** A tree-sitter parser pool; the command disposes it when it ends. */
  analyzer(): PythonAnalyzer & { dispose(): void };
  /** The repository as the linter reads it. */
  openRepo(dir: string): Promise<{ readonly reader: RepoReader; readonly git: GitInspector }>;
  generationPorts(dir: string, analyzer: PythonAnalyzer, out?: string): Promise<GenerationPorts>;
  applyGeneration(outDir: string, plan: GenerationPlan): Promise<void>;
  checkLearner(dir: string, analyzer: PythonAnalyzer, options: LearnerCheckOptions): Promise<LearnerCheckOutcome>;
  simulationLauncher(analyzer: PythonAnalyzer): SimulationLauncher;
  /** The Docker engine (DOCKER_HOST, the docker context, or the default socket). */
  runtime(): ContainerRuntime;
  readonly history: Pick<RunHistoryPort, 'read'>;
  readonly owners: RunOwnersPort;
  /** Whether file bytes start with a UTF-8 byte order mark. */
  startsWithByteOrderMark(bytes: Uint8Array): boolean;
  /** One run of an MLflow experiment as a series (core/metrics/mlflow-series.ts over io/mlflow-client.ts). */
  mlflowSeries(target: MlflowTarget, experiment: string, run: string | undefined, signal?: AbortSignal): Promise<MlflowSeriesResult>;
  /** The Oakestra deploy use cases, with every target logged in with `password`. */
  deployer(analyzer: PythonAnalyzer, password: string): OakestraDeployer;
  /** The repository's deployment records, readable or not. */
  deploymentRecords(dir: string): Promise<{ readonly target: string; readonly read: RecordRead }[]>;
}

export function cliServices(): CliServices {
  return {
    // The parser's WebAssembly files sit next to the bundle (dist/).
    analyzer: () => new PythonPool({ wasmDir: __dirname }),
    openRepo: async (dir) => ({ reader: await FsRepoReader.open(dir), git: new SimpleGitInspector(dir) }),
    generationPorts,
    applyGeneration: applyPlan,
    checkLearner: (dir, analyzer, options) => checkLearner({ prepareGeneration: generationPreparer(analyzer), runner: pythonCheckRunner }, dir, options),
    simulationLauncher: (analyzer) => new LocalSimulationLauncher(simulationPorts(analyzer)),
    runtime: () => dockerRuntimeFor(),
    history: fileRunHistory,
    owners: processOwners,
    startsWithByteOrderMark,
    mlflowSeries: (target, experiment, run, signal) => mlflowSeries(new MlflowClient(target), experiment, run, signal),
    deployer: (analyzer, password) => new OakestraDeployer(deployPorts(analyzer, (target) => new OakestraClient({ target, password }))),
    deploymentRecords: (dir) => fileDeploymentStore.list(dir),
  };
}

import { learnerResources, simulationLearners, type ProjectFile } from '../config/project-file';
import { aggregatorCommand, imageBuildArgs, learnerCommand, starterCommand } from '../generate/deployment';
import { appName, outFolder, type RuntimeInput } from '../generate/runtime-input';
import type { ContainerSpec } from '../ports';
import type { MemberRole, RunEvent } from '../runs/run-events';

/**
 * The local simulation as containers: what compose.yaml describes, derived from the same project file
 * and the same command builders (generate/deployment.ts), so `docker compose up` on the generated file
 * and `flops sim up` run the same topology. Pure and deterministic for a given request.
 *
 * Every object carries compose's project labels, so `docker compose -p <run id> ps|logs|down` work on
 * a run, and our own `flops.*` labels, by which the run is found, watched and removed.
 */

export interface SimulationRequest {
  readonly input: Pick<RuntimeInput, 'config' | 'repoName' | 'outDir'>;
  /** Unique id of this run; also the compose project name (lowercase letters, digits, `-`). */
  readonly runId: string;
  /** Stable id of the repository folder (a hash of its absolute path), so runs of one repo are found. */
  readonly repoKey: string;
  /** Absolute path of the repository (compose's working_dir label; shown by `docker compose ls`). */
  readonly repoPath: string;
  /** Who owns the run: "<pid>@<host>", so a later `up` or `down` can tell a live owner from a dead one. */
  readonly owner: string;
  /** Image tag: the content hash of the build inputs (io/build-context.ts). */
  readonly imageTag: string;
  /** Overrides: learner count and rounds. */
  readonly learners?: number;
  readonly rounds?: number;
  /**
   * Free host ports (on 127.0.0.1) picked for this run: the aggregator's Control API (for `flwr ls`
   * and the like) and MLflow's UI when flops.json sets no `simulation.mlflow.port`. Never fixed, so two
   * runs, or a run next to the user's own SuperLink or MLflow, do not collide.
   */
  readonly hostPorts: { readonly control: number; readonly mlflow: number };
}

/** Where a run can be reached from this machine. */
export interface RunEndpoints {
  /** The aggregator's Flower Control API, `127.0.0.1:<port>`. */
  readonly control: string;
  /** The MLflow UI the run started, `http://127.0.0.1:<port>`. */
  readonly mlflow?: string;
}

export interface PlannedMember {
  readonly service: string;
  readonly role: MemberRole;
  /** 1-based learner number (learners only). */
  readonly learner?: number;
  readonly profile?: string;
  readonly spec: ContainerSpec;
}

export interface SimulationPlan {
  readonly runId: string;
  readonly project: string;
  readonly network: string;
  readonly outputVolume: string;
  readonly image: { readonly tag: string; readonly dockerfile: string; readonly buildArgs: Readonly<Record<string, string>> };
  /** Start order: MLflow (if any), aggregator, learners, then the starter. */
  readonly members: readonly PlannedMember[];
  readonly learners: number;
  readonly rounds: number;
  readonly minAvailable: number;
  readonly strategy: string;
  /** Labels on every object of this run (for watching and removal). */
  readonly runLabels: Readonly<Record<string, string>>;
  readonly endpoints: RunEndpoints;
}

/** The SuperLink's Control API port inside the network (Flower's default; `flwr run` connects to it). */
export const controlApiPort = 9093;

export const labelKeys = {
  run: 'flops.run',
  repo: 'flops.repo',
  owner: 'flops.owner',
  role: 'flops.role',
  learner: 'flops.learner',
  /** The host address a member publishes (`127.0.0.1:<port>`), for `flops sim status`. */
  endpoint: 'flops.endpoint',
  composeProject: 'com.docker.compose.project',
  composeService: 'com.docker.compose.service',
} as const;

/** A valid run id (and compose project name) from the app name and a unique suffix. */
export function makeRunId(repoName: string, suffix: string): string {
  const base = appName(repoName).slice(0, 40).replace(/-+$/, '');
  return `${base}-${suffix.toLowerCase().replace(/[^a-z0-9]/g, '')}`;
}

export function planSimulation(request: SimulationRequest): SimulationPlan {
  const { input, runId } = request;
  const config = input.config;
  const tc = config.training_configuration;
  const learners = request.learners ?? simulationLearners(config);
  const rounds = request.rounds ?? tc.training_rounds;
  if (!Number.isInteger(learners) || learners < 1) throw new RangeError(`learners must be a whole number of at least 1, got ${String(learners)}`);
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`rounds must be a whole number of at least 1, got ${String(rounds)}`);
  const project = runId;
  const network = `${project}_default`;
  const outputVolume = `${project}_flops-output`;
  const runLabels = { [labelKeys.run]: runId, [labelKeys.repo]: request.repoKey, [labelKeys.composeProject]: project };
  const image = request.imageTag;

  const member = (service: string, role: MemberRole, spec: Omit<ContainerSpec, 'name' | 'labels' | 'network' | 'aliases'>, extra: { learner?: number; profile?: string; endpoint?: string } = {}): PlannedMember => ({
    service,
    role,
    ...extra,
    spec: {
      name: `${project}-${service}-1`,
      network,
      aliases: [service],
      labels: {
        ...runLabels,
        [labelKeys.owner]: request.owner,
        [labelKeys.role]: role,
        ...(extra.learner !== undefined ? { [labelKeys.learner]: String(extra.learner) } : {}),
        ...(extra.endpoint !== undefined ? { [labelKeys.endpoint]: extra.endpoint } : {}),
        [labelKeys.composeService]: service,
        'com.docker.compose.container-number': '1',
        'com.docker.compose.oneoff': 'False',
        'com.docker.compose.project.working_dir': request.repoPath,
      },
      ...spec,
    },
  });

  const members: PlannedMember[] = [];
  const { mlflow } = config.simulation;
  const startsMlflow = mlflow.enabled && mlflow.tracking_uri === undefined;
  const mlflowPort = mlflow.port ?? request.hostPorts.mlflow;
  const endpoints: RunEndpoints = { control: `127.0.0.1:${request.hostPorts.control}`, ...(startsMlflow ? { mlflow: `http://127.0.0.1:${mlflowPort}` } : {}) };
  if (startsMlflow) {
    members.push(
      member(
        'mlflow',
        'mlflow',
        {
          image: mlflow.image,
          cmd: ['mlflow', 'server', '--host', '0.0.0.0', '--port', '5000', '--backend-store-uri', 'sqlite:////tmp/mlflow.db'],
          env: ['MLFLOW_SERVER_ALLOWED_HOSTS=mlflow:5000,localhost:*,127.0.0.1:*'],
          ports: [{ container: 5000, host: mlflowPort }],
        },
        { endpoint: endpoints.mlflow ?? '' },
      ),
    );
  }
  members.push(
    member(
      'aggregator',
      'aggregator',
      {
        image,
        cmd: [...aggregatorCommand],
        env: [`FLOPS_RUN_ID=${runId}`],
        volumes: [{ name: outputVolume, target: '/app/output' }],
        ports: [{ container: controlApiPort, host: request.hostPorts.control }],
        stopSignal: 'SIGINT',
      },
      { endpoint: endpoints.control },
    ),
  );
  const resources = learnerResources(config, learners);
  for (let i = 1; i <= learners; i++) {
    const r = resources[i - 1];
    members.push(
      member(
        `learner-${i}`,
        'learner',
        {
          image,
          cmd: learnerCommand('aggregator:9092', i - 1, learners),
          env: [`FLOPS_RUN_ID=${runId}`],
          ...(r !== undefined ? { cpus: r.cpus, memoryMb: r.memory_mb } : {}),
          stopSignal: 'SIGINT',
        },
        { learner: i, ...(r !== undefined ? { profile: r.profile } : {}) },
      ),
    );
  }
  members.push(
    member('run', 'starter', {
      image,
      cmd: starterCommand(request.rounds),
      env: [`FLOPS_RUN_ID=${runId}`],
      stopSignal: 'SIGINT',
    }),
  );
  return {
    runId,
    project,
    network,
    outputVolume,
    image: { tag: image, dockerfile: `${outFolder(input)}/Dockerfile`, buildArgs: imageBuildArgs(config) },
    members,
    learners,
    rounds,
    minAvailable: tc.min_available_clients,
    strategy: config.flower.strategy.name,
    runLabels,
    endpoints,
  };
}

/** Why a plan cannot run, before anything is created; `undefined` when it can. */
export function planProblem(plan: Pick<SimulationPlan, 'learners' | 'minAvailable'>): string | undefined {
  if (plan.learners < plan.minAvailable) {
    return `The aggregator waits for min_available_clients = ${plan.minAvailable} learners, but the simulation starts ${plan.learners}. Start at least ${plan.minAvailable} learners (--learners ${plan.minAvailable}) or lower training_configuration.min_available_clients in flops.json.`;
  }
  return undefined;
}

/** The first event of a run: what it will start, and where it is reachable. */
export function runPlannedEvent(plan: SimulationPlan, at: number): RunEvent & { readonly type: 'runPlanned' } {
  return {
    type: 'runPlanned',
    at,
    runId: plan.runId,
    project: plan.project,
    learners: plan.learners,
    rounds: plan.rounds,
    strategy: plan.strategy,
    endpoints: plan.endpoints,
    members: plan.members.map((m) => ({
      service: m.service,
      role: m.role,
      ...(m.learner !== undefined ? { learner: m.learner } : {}),
      ...(m.profile !== undefined ? { profile: m.profile } : {}),
      ...(m.spec.cpus !== undefined ? { cpus: m.spec.cpus } : {}),
      ...(m.spec.memoryMb !== undefined ? { memoryMb: m.spec.memoryMb } : {}),
    })),
  };
}

/**
 * What a run was configured with beyond learners, rounds and strategy name, as text by name: the run
 * history keeps it so the metrics panel can list what differs between two runs.
 */
export function runSettings(config: ProjectFile): Record<string, string> {
  const { name: _name, ...strategyParams } = config.flower.strategy;
  const partitioning = config.simulation.dataset.partitioning;
  const round = config.flower.round_config;
  return {
    'Flower version': config.flower.version,
    'strategy parameters': Object.entries(strategyParams).map(([key, value]) => `${key}=${String(value)}`).join(', ') || 'defaults',
    partitioning: partitioning.method === 'dirichlet' ? `dirichlet (alpha ${partitioning.alpha}, by ${partitioning.label_column})` : 'iid',
    'partition seed': String(config.simulation.dataset.seed),
    'round config': `local_epochs=${round.local_epochs}, learning_rate=${round.learning_rate}, batch_size=${round.batch_size}`,
    ...(config.simulation.dataset.file !== undefined ? { dataset: config.simulation.dataset.file } : {}),
  };
}

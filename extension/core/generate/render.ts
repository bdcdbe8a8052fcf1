import { type ModelFlavor, type ProjectFile, strategyNames } from '../config/project-file';
import type { GeneratedFile } from '../generated-files';
import type { UserDependencies } from './dependencies';
import { renderCompose, renderDockerfile, renderRequirements, renderSla, wheelsReadme } from './deployment';
import { pyprojectTemplate, runtimePythonFiles } from './runtime-templates';

/**
 * The generated Flower runtime (a ServerApp and a ClientApp around the user's ModelManager, the
 * `flops_utils` shim and pyproject.toml), rendered from the project file and what is known about the
 * repository. Pure and deterministic: the same input gives byte-identical files. Paths are relative to
 * the output folder (`.flops/` by default). Writing is io's job (io/generated-writer.ts).
 */

export const generatedFlavors = ['sklearn', 'pytorch', 'keras'] as const satisfies readonly ModelFlavor[];
export type GeneratedFlavor = (typeof generatedFlavors)[number];

export interface RuntimeInput {
  /** The project file with defaults applied (`projectFileSchema.parse({})` when there is none). */
  readonly config: ProjectFile;
  readonly flavor: GeneratedFlavor;
  /** The repository folder's name, turned into the Flower app name. */
  readonly repoName: string;
  readonly dependencies: UserDependencies;
  /** The output folder, relative to the repository root, `/`-separated, inside it (default `.flops`). */
  readonly outDir?: string;
}

/** The output folder of an input, relative to the repository root. */
export function outFolder(input: Pick<RuntimeInput, 'outDir'>): string {
  return input.outDir ?? '.flops';
}

/** The Flower connection (≥ 1.26) or federation (≤ 1.25) for `flwr run` on the host (127.0.0.1:9093). */
export const connectionName = 'flops';
/** The same inside the compose network, where the SuperLink is the `aggregator` service. */
export const composeConnectionName = 'flops-compose';

/** `flwr` major.minor of a release such as "1.27.0". */
function flowerMinor(version: string): [number, number] {
  const [major, minor] = version.split('.').map(Number);
  return [major ?? 0, minor ?? 0];
}

/** Whether the release still reads connections from pyproject federations (≤ 1.25, flower-mlflow.md §3). */
export function usesPyprojectFederations(version: string): boolean {
  const [major, minor] = flowerMinor(version);
  return major < 1 || (major === 1 && minor <= 25);
}

/** A Flower app name: lowercase letters, digits and hyphens. */
export function appName(repoName: string): string {
  const name = repoName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return name === '' ? 'flops-app' : /^[a-z]/.test(name) ? name : `app-${name}`;
}

type TomlValue = { readonly float: number } | number | string | boolean;

function tomlValue(value: TomlValue): string {
  if (typeof value === 'object') {
    const text = String(value.float);
    return /[.eE]/.test(text) ? text : `${text}.0`;
  }
  // JSON string escapes are a subset of TOML basic-string escapes (JSON.stringify never writes `\/`).
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

const float = (value: number): TomlValue => ({ float: value });

/** `[tool.flwr.app.config]`: every setting the ServerApp and ClientApp read (overridable per run). */
export function runConfig(input: RuntimeInput): [string, TomlValue][] {
  const { config } = input;
  const tc = config.training_configuration;
  const strategy = config.flower.strategy;
  const round = config.flower.round_config;
  const dataset = config.simulation.dataset;
  const entries: [string, TomlValue][] = [
    ['num-server-rounds', tc.training_rounds],
    ['strategy', strategy.name],
    ['fraction-train', float(strategy.fraction_train)],
    ['fraction-evaluate', float(strategy.fraction_evaluate)],
    ['min-train-nodes', tc.min_fit_clients],
    ['min-evaluate-nodes', tc.min_evaluate_clients],
    ['min-available-nodes', tc.min_available_clients],
  ];
  switch (strategy.name) {
    case 'FedAvg':
    case 'FedMedian':
      break;
    case 'FedProx':
      entries.push(['proximal-mu', float(strategy.proximal_mu)]);
      break;
    case 'FedAdam':
    case 'FedYogi':
      entries.push(['eta', float(strategy.eta)], ['eta-l', float(strategy.eta_l)], ['beta-1', float(strategy.beta_1)], ['beta-2', float(strategy.beta_2)], ['tau', float(strategy.tau)]);
      break;
    case 'FedAdagrad':
      entries.push(['eta', float(strategy.eta)], ['eta-l', float(strategy.eta_l)], ['tau', float(strategy.tau)]);
      break;
    case 'FedTrimmedAvg':
      entries.push(['beta', float(strategy.beta)]);
      break;
    case 'Krum':
      entries.push(['num-malicious-nodes', strategy.num_malicious_nodes]);
      break;
    default: {
      const unknown: never = strategy;
      throw new Error(`unhandled strategy ${JSON.stringify(unknown)}`);
    }
  }
  entries.push(
    ['local-epochs', round.local_epochs],
    ['lr', float(round.learning_rate)],
    ['batch-size', round.batch_size],
    ['flavor', input.flavor],
    ['data-file', dataset.file ?? ''],
    ['data-dir', 'data'],
    ['data-tags', tc.data_tags.join(',')],
    ['partitioning', dataset.partitioning.method],
    ['partition-seed', dataset.seed],
  );
  if (dataset.partitioning.method === 'dirichlet') {
    entries.push(['dirichlet-alpha', float(dataset.partitioning.alpha)], ['label-column', dataset.partitioning.label_column]);
  }
  entries.push(['output-dir', 'output'], ['mlflow-uri', mlflowUri(input)], ['mlflow-experiment', config.simulation.mlflow.experiment]);
  return entries;
}

/** Where the ServerApp logs to MLflow: the configured server, the compose file's `mlflow` service, or nowhere (''). */
export function mlflowUri(input: RuntimeInput): string {
  const { mlflow } = input.config.simulation;
  return mlflow.tracking_uri ?? (mlflow.enabled ? 'http://mlflow:5000' : '');
}

/**
 * Requirements of the app: the user's, then flwr pinned and what the shim needs. `datasets` is
 * bounded by the releases the shim is tested with: 2.16 added what `load_dataset()` calls, and the
 * shim restores 2.x column access on 4.x and 5.x (flops_utils/ml_repo_building_blocks.py).
 */
export const datasetsRequirement = 'datasets>=2.16,<6';

export function appRequirements(input: RuntimeInput): string[] {
  const own = [`flwr==${input.config.flower.version}`, datasetsRequirement, 'numpy'];
  const user = input.dependencies.requirements;
  const userNames = new Set(user.map((r) => requirementName(r)));
  return [...user, ...own.filter((r) => !userNames.has(requirementName(r)))];
}

function requirementName(requirement: string): string {
  return (/^[A-Za-z0-9_.-]+/.exec(requirement)?.[0] ?? requirement).toLowerCase().replace(/[_.]/g, '-');
}

function replaceLine(text: string, marker: string, replacement: string): string {
  const line = `# @@${marker}@@\n`;
  const at = text.indexOf(line);
  if (at < 0) throw new Error(`pyproject.toml template lacks the ${marker} marker`);
  return text.slice(0, at) + replacement + text.slice(at + line.length);
}

function indentedMarker(text: string, marker: string, lines: readonly string[]): string {
  const line = `    # @@${marker}@@\n`;
  const at = text.indexOf(line);
  if (at < 0) throw new Error(`pyproject.toml template lacks the ${marker} marker`);
  return text.slice(0, at) + lines.map((l) => `    ${l},\n`).join('') + text.slice(at + line.length);
}

export function renderPyproject(input: RuntimeInput): string {
  const version = input.config.flower.version;
  let text = pyprojectTemplate.replace('"@@name@@"', JSON.stringify(appName(input.repoName)));
  text = indentedMarker(text, 'dependencies', appRequirements(input).map((r) => JSON.stringify(r)));
  text = replaceLine(text, 'config', runConfig(input).map(([key, value]) => `${key} = ${tomlValue(value)}\n`).join(''));
  const federations = usesPyprojectFederations(version)
    ? [
        '',
        `# Flower ${version} reads connections from here (from 1.26 on they live in $FLWR_HOME/config.toml).`,
        '[tool.flwr.federations]',
        `default = "${connectionName}"`,
        '',
        `[tool.flwr.federations.${connectionName}]`,
        'address = "127.0.0.1:9093"',
        'insecure = true',
        '',
        `[tool.flwr.federations.${composeConnectionName}]`,
        'address = "aggregator:9093"',
        'insecure = true',
        '',
      ].join('\n')
    : '';
  return replaceLine(text, 'federations', federations);
}

/** `$FLWR_HOME/config.toml` for Flower ≥ 1.26: the SuperLink connection `flwr run` is given by name. */
export function renderFlwrConfig(): string {
  return [
    '# Generated by flops-vscode: the SuperLink connection for Flower 1.26 and later.',
    `# On the host: FLWR_HOME=.flops/flwr flwr run .flops ${connectionName}; in the image (FLWR_HOME=/app/.flwr): ${composeConnectionName}.`,
    '[superlink]',
    `default = "${connectionName}"`,
    '',
    `[superlink.${connectionName}]`,
    'address = "127.0.0.1:9093"',
    'insecure = true',
    '',
    `[superlink.${composeConnectionName}]`,
    'address = "aggregator:9093"',
    'insecure = true',
    '',
  ].join('\n');
}

/** Every generated file, sorted by path. */
export function renderRuntime(input: RuntimeInput): GeneratedFile[] {
  const files: GeneratedFile[] = Object.entries(runtimePythonFiles).map(([path, content]) => ({ path, content }));
  files.push(
    { path: 'pyproject.toml', content: renderPyproject(input) },
    { path: 'requirements.txt', content: renderRequirements(input) },
    { path: 'Dockerfile', content: renderDockerfile(input) },
    { path: 'wheels/README.md', content: wheelsReadme },
    { path: 'compose.yaml', content: renderCompose(input) },
  );
  if (!usesPyprojectFederations(input.config.flower.version)) files.push({ path: 'flwr/config.toml', content: renderFlwrConfig() });
  const sla = renderSla(input);
  if (sla !== undefined) files.push({ path: 'flops.sla.json', content: sla });
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export type InputCheck = { readonly ok: true; readonly flavor: GeneratedFlavor } | { readonly ok: false; readonly message: string };

/** Whether the runtime can be generated for this project; the reason when not. */
export function checkRuntimeInput(config: ProjectFile, detectedFlavor: ModelFlavor | undefined): InputCheck {
  if (config.training_configuration.mode !== 'classic') {
    return { ok: false, message: 'training_configuration.mode is "hierarchical"; only classic federated learning (one aggregator) is generated so far.' };
  }
  const flavor = config.ml_model_flavor ?? detectedFlavor;
  if (flavor === undefined) return { ok: false, message: 'Unknown model flavor: set "ml_model_flavor" in flops.json (sklearn, pytorch or keras); no framework import was found to detect it.' };
  if (flavor === 'tensorflow') return { ok: false, message: 'Unsupported flavor "tensorflow" (FLOps rejects it as well): use "keras" for tf.keras models.' };
  return { ok: true, flavor };
}

/** The message for a `flower.strategy.name` the schema rejected. */
export function unknownStrategyMessage(value: unknown): string {
  return `Unknown strategy ${JSON.stringify(value)} in flops.json (flower.strategy.name); use one of ${strategyNames.join(', ')}.`;
}

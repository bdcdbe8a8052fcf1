import { type ModelFlavor, type ProjectFile, strategyNames } from '../config/project-file';
import type { GeneratedFile } from '../generated-files';
import { aggregatorRrIp, renderCompose, renderDockerfile, renderRequirements, renderSla, wheelsReadme } from './deployment';
import { pyprojectTemplate, runtimePythonFiles } from './runtime-templates';
import { type GeneratedFlavor, type RuntimeInput, connectionName, composeConnectionName, oakestraConnectionName, usesPyprojectFederations, appName, appRequirements } from './runtime-input';

/**
 * The generated Flower runtime (a ServerApp and a ClientApp around the user's ModelManager, the
 * `flops_utils` shim and pyproject.toml), rendered from the project file and what is known about the
 * repository. Pure and deterministic: the same input gives byte-identical files. Paths are relative to
 * the output folder (`.flops/` by default). Writing is io's job (io/generated-writer.ts).
 */

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
        `[tool.flwr.federations.${oakestraConnectionName}]`,
        `address = "${aggregatorRrIp(appName(input.repoName))}:9093"`,
        'insecure = true',
        '',
      ].join('\n')
    : '';
  return replaceLine(text, 'federations', federations);
}

/** `$FLWR_HOME/config.toml` for Flower ≥ 1.26: the SuperLink connection `flwr run` is given by name. */
export function renderFlwrConfig(input: Pick<RuntimeInput, 'repoName'>): string {
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
    `# On Oakestra: the aggregator's fixed round-robin IP (flops.sla.json).`,
    `[superlink.${oakestraConnectionName}]`,
    `address = "${aggregatorRrIp(appName(input.repoName))}:9093"`,
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
  if (!usesPyprojectFederations(input.config.flower.version)) files.push({ path: 'flwr/config.toml', content: renderFlwrConfig(input) });
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

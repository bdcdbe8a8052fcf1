import posix from 'node:path/posix';
import type { Severity } from '../findings/finding';
import { closestMatch } from './edit-distance';
import { imagePlatforms, simulationLearners, type ProjectFile } from './project-file';

/**
 * The cross-field rules of the project file (flops-contract.md §4 "Cross-field rules", plus those of the
 * sections this extension adds). The schema checks each field alone; these check how fields relate,
 * with messages that say what breaks and what to change. `flops/project-config` reports them in the
 * editor and `flops lint`; `flops validate` reports the same.
 */

export interface ConfigIssue {
  /** The JSON path the issue is about (its key is where the finding points). */
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly severity: Severity;
}

export interface ProjectRuleOptions {
  /** Ids of the lint rules, to check `lint.rules` against; unchecked when absent. */
  readonly knownRules?: ReadonlySet<string>;
  /**
   * The `lint.rules` keys as written in the file, when the caller has the raw JSON: the parsed record
   * cannot hold a `__proto__` key, which is still an unknown rule id to report. Default: the parsed keys.
   */
  readonly writtenRuleIds?: readonly string[];
  /**
   * Whether a file exists, given its path relative to the project file's folder (`/`-separated,
   * normalised, inside the folder). `undefined` means "cannot tell"; without the function nothing is checked.
   */
  readonly fileExists?: (relativePath: string) => boolean | undefined;
}

export const datasetExtensions = ['.csv', '.parquet', '.json', '.jsonl'] as const;

/** Flower releases as comparable numbers; `undefined` for anything but `x.y.z`. */
function flowerRelease(version: string): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  return m === null ? undefined : [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** The Python version of official-looking Python images (`python:3.9-slim`, `.../python:3.11`). */
function basePython(image: string): [number, number] | undefined {
  const m = /(?:^|\/)python:(\d+)\.(\d+)/.exec(image);
  return m === null ? undefined : [Number(m[1]), Number(m[2])];
}

function platformIssues(list: readonly string[], path: readonly PropertyKey[], name: string): ConfigIssue[] {
  if (list.length === 0) return [{ path, message: `${name} must name at least one platform ("linux/amd64" or "linux/arm64").`, severity: 'error' }];
  const twice = list.find((p, i) => list.indexOf(p) !== i);
  return twice !== undefined ? [{ path, message: `${name} lists "${twice}" twice.`, severity: 'error' }] : [];
}

/** Checks the relations between the fields of a schema-valid project file. Pure; never throws. */
export function checkProjectRules(config: ProjectFile, options: ProjectRuleOptions = {}): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (path: readonly PropertyKey[], message: string, severity: Severity = 'error'): void => {
    issues.push({ path, message, severity });
  };
  const tc = config.training_configuration;
  const tcPath = (key: string): PropertyKey[] => ['training_configuration', key];

  // §4 rule 1: FLOps silently skips the deployment otherwise.
  const steps = config.post_training_steps;
  if (steps.includes('deploy_trained_model_image') && !steps.includes('build_image_for_trained_model')) {
    add(['post_training_steps', steps.indexOf('deploy_trained_model_image')], '"deploy_trained_model_image" needs "build_image_for_trained_model" too; FLOps silently skips the deployment otherwise. Add the build step.');
  }
  // §4 rule 2: upstream answers HTTP 400.
  if (config.use_devel_base_images && (config.supported_platforms.length !== 1 || config.supported_platforms[0] !== 'linux/amd64')) {
    add(['use_devel_base_images'], 'use_devel_base_images needs supported_platforms ["linux/amd64"]; FLOps rejects the project with HTTP 400 otherwise.');
  }
  // §4 rule 4 (before rule 3, whose comparisons assume positive counts).
  for (const key of ['training_rounds', 'training_cycles', 'min_available_clients', 'min_fit_clients', 'min_evaluate_clients'] as const) {
    if (tc[key] < 1) add(tcPath(key), `${key} must be at least 1 (it is ${tc[key]}).`);
  }
  // §4 rule 3: exactly min_available_clients learners are deployed.
  for (const key of ['min_fit_clients', 'min_evaluate_clients'] as const) {
    if (tc[key] > tc.min_available_clients) {
      add(tcPath(key), `${key} (${tc[key]}) is larger than min_available_clients (${tc.min_available_clients}); FLOps deploys exactly min_available_clients learners, so Flower would wait forever. Lower ${key} or raise min_available_clients.`);
    }
  }
  // §4 rule 6.
  if (tc.mode === 'classic' && tc.training_cycles !== 1) add(tcPath('training_cycles'), 'training_cycles applies only to hierarchical mode; in classic mode FLOps ignores it.', 'warning');
  issues.push(...platformIssues(config.supported_platforms, ['supported_platforms'], 'supported_platforms'));
  const rc = config.resource_constraints;
  if (rc.memory !== 100 || rc.vcpus !== 1 || rc.storage !== 0) {
    add(['resource_constraints'], 'FLOps stores resource_constraints but does not apply them (its actor SLAs use 100 MB, 1 vCPU, no storage).', 'info');
  }

  // §4 rule 5: hierarchical mode needs clusters, on Oakestra and in the simulation.
  const clusters = config.oakestra.clusters;
  if (tc.mode === 'hierarchical') {
    if (clusters.length === 1) {
      add(['oakestra', 'clusters'], `Hierarchical mode needs at least 2 clusters, but oakestra.clusters names only "${clusters[0] ?? ''}"; with one cluster it is classic FL plus an extra aggregator. Add a cluster or use mode "classic".`);
    } else if (clusters.length === 0) {
      add(tcPath('mode'), 'Hierarchical mode needs at least 2 active Oakestra clusters with FLOps-learner workers holding data for the tags; the root aggregator waits for every active cluster. This is checked at deploy time (or list them in oakestra.clusters).', 'info');
    }
    if (config.simulation.clusters < 2) {
      add(['simulation', 'clusters'], `Hierarchical mode needs at least 2 simulated clusters (simulation.clusters is ${config.simulation.clusters}). Raise it or use mode "classic".`);
    }
  }
  const twiceCluster = clusters.find((c, i) => clusters.indexOf(c) !== i);
  if (twiceCluster !== undefined) add(['oakestra', 'clusters', clusters.lastIndexOf(twiceCluster)], `oakestra.clusters lists "${twiceCluster}" twice.`, 'warning');

  // The local simulation starts exactly simulation.learners learners.
  const profiles = config.simulation.learner_profiles;
  const learners = simulationLearners(config);
  const perCluster = tc.mode === 'hierarchical' ? Math.floor(learners / Math.max(1, config.simulation.clusters)) : learners;
  if ((config.simulation.learners !== undefined || profiles !== undefined) && tc.min_available_clients >= 1 && perCluster < tc.min_available_clients) {
    const where = tc.mode === 'hierarchical' ? ` per cluster (${learners} over ${config.simulation.clusters} clusters gives ${perCluster})` : '';
    const needed = tc.mode === 'hierarchical' ? tc.min_available_clients * config.simulation.clusters : tc.min_available_clients;
    add(['simulation', 'learners'], `simulation.learners (${learners}) gives fewer learners${where} than min_available_clients (${tc.min_available_clients}); the local simulation would wait forever for the rest. Set simulation.learners to at least ${needed} or lower min_available_clients.`);
  }

  if (profiles !== undefined && config.simulation.learners !== undefined) {
    const profiled = profiles.reduce((sum, p) => sum + p.count, 0);
    if (profiled !== config.simulation.learners) {
      add(['simulation', 'learner_profiles'], `simulation.learner_profiles cover ${profiled} learners but simulation.learners is ${config.simulation.learners}; learners beyond the profiles get learner_resources and profiles beyond the count are unused. Make the counts add up to simulation.learners, or remove simulation.learners.`, 'warning');
    }
  }

  // Strategy-specific requirements.
  const strategy = config.flower.strategy;
  const strategyPath = (key: string): PropertyKey[] => ['flower', 'strategy', key];
  if (strategy.name === 'Krum') {
    const needed = 2 * strategy.num_malicious_nodes + 3;
    if (tc.min_fit_clients >= 1 && tc.min_fit_clients < needed) {
      add(strategyPath('num_malicious_nodes'), `Krum with num_malicious_nodes ${strategy.num_malicious_nodes} needs at least ${needed} training learners per round (2f + 3), but min_fit_clients is ${tc.min_fit_clients}. Raise min_fit_clients (and min_available_clients) or lower num_malicious_nodes.`);
    }
  }
  if (strategy.name === 'FedProx' && strategy.proximal_mu === 0) {
    add(strategyPath('proximal_mu'), 'FedProx with proximal_mu 0 is plain FedAvg. Use a positive proximal_mu (e.g. 0.1) or the FedAvg strategy.', 'warning');
  }
  if (config.target === 'flops-addon' && strategy.name !== 'FedAvg') {
    add(strategyPath('name'), `The FLOps add-on always trains with FedAvg; flower.strategy "${strategy.name}" applies only to the generated runtime ("target": "generated").`, 'warning');
  }

  // Flower release and base image.
  const release = flowerRelease(config.flower.version);
  if (release !== undefined) {
    const [major, minor] = release;
    if (major < 1 || (major === 1 && minor < 23)) {
      add(['flower', 'version'], `Flower ${config.flower.version} is too old: the generated runtime uses the Message API and SuperExec of Flower 1.23 or newer.`);
    }
    const python = basePython(config.image.base_image);
    const needsPython: [number, number] = major > 1 || (major === 1 && minor >= 24) ? [3, 10] : [3, 9];
    if (python !== undefined && (python[0] < needsPython[0] || (python[0] === needsPython[0] && python[1] < needsPython[1]))) {
      add(['image', 'base_image'], `Flower ${config.flower.version} needs Python ${needsPython.join('.')} or newer, but ${config.image.base_image} has Python ${python.join('.')}. Use e.g. "python:3.10-slim".`);
    }
  }
  if (config.image.platforms !== undefined) issues.push(...platformIssues(imagePlatforms(config), ['image', 'platforms'], 'image.platforms'));
  if (config.oakestra.url !== undefined && config.target === 'generated' && config.image.registry === undefined) {
    add(['oakestra', 'url'], 'Deploying the generated image to Oakestra needs image.registry: the workers pull the image from a registry they can reach.', 'warning');
  }

  // Local simulation data.
  const file = config.simulation.dataset.file;
  if (file !== undefined) {
    const normalised = posix.normalize(file.replace(/\\/g, '/'));
    const extension = posix.extname(normalised).toLowerCase();
    if (!(datasetExtensions as readonly string[]).includes(extension)) {
      add(['simulation', 'dataset', 'file'], `simulation.dataset.file "${file}" is not ${datasetExtensions.join(', ')}; the local load_dataset() reads only those formats.`, 'warning');
    }
    const inside = !posix.isAbsolute(normalised) && !/^[A-Za-z]:/.test(normalised) && normalised !== '..' && !normalised.startsWith('../');
    if (inside && options.fileExists?.(normalised) === false) {
      add(['simulation', 'dataset', 'file'], `simulation.dataset.file "${file}" does not exist (relative to the folder of flops.json); the local simulation cannot load its data.`);
    }
  }
  if (config.simulation.mlflow.tracking_uri !== undefined && !config.simulation.mlflow.enabled) {
    add(['simulation', 'mlflow', 'tracking_uri'], 'simulation.mlflow.tracking_uri is ignored while simulation.mlflow.enabled is false.', 'warning');
  }

  if (options.knownRules !== undefined) {
    for (const id of options.writtenRuleIds ?? Object.keys(config.lint.rules)) {
      if (options.knownRules.has(id)) continue;
      const near = closestMatch(id, options.knownRules);
      add(['lint', 'rules', id], `Unknown rule id "${id}".${near !== undefined ? ` Did you mean "${near}"?` : ''}`, 'warning');
    }
  }
  return issues;
}

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

function platformIssues(list: readonly string[], path: readonly PropertyKey[], name: string, add: Add): void {
  if (list.length === 0) {
    add(path, `${name} must name at least one platform ("linux/amd64" or "linux/arm64").`);
    return;
  }
  const twice = list.find((p, i) => list.indexOf(p) !== i);
  if (twice !== undefined) add(path, `${name} lists "${twice}" twice.`);
}

/** Reports one issue; severity defaults to error. */
type Add = (path: readonly PropertyKey[], message: string, severity?: Severity) => void;

/** One cross-field rule: a name (for tests and docs), what it wants, and the check itself. */
export interface ProjectCheck {
  readonly name: string;
  /** What the rule wants, in one line. */
  readonly title: string;
  readonly check: (config: ProjectFile, options: ProjectRuleOptions, add: Add) => void;
}

const tcPath = (key: string): PropertyKey[] => ['training_configuration', key];
const strategyPath = (key: string): PropertyKey[] => ['flower', 'strategy', key];

/** The rules in the order their issues are reported. */
export const projectChecks: readonly ProjectCheck[] = [
  {
    name: 'deploy-needs-build',
    title: '§4 rule 1: deploy_trained_model_image needs build_image_for_trained_model (FLOps silently skips the deployment otherwise).',
    check: (config, _options, add) => {
      const steps = config.post_training_steps;
      if (steps.includes('deploy_trained_model_image') && !steps.includes('build_image_for_trained_model')) {
        add(['post_training_steps', steps.indexOf('deploy_trained_model_image')], '"deploy_trained_model_image" needs "build_image_for_trained_model" too; FLOps silently skips the deployment otherwise. Add the build step.');
      }
    },
  },
  {
    name: 'devel-images-amd64',
    title: '§4 rule 2: use_devel_base_images only with supported_platforms ["linux/amd64"] (upstream answers HTTP 400).',
    check: (config, _options, add) => {
      if (config.use_devel_base_images && (config.supported_platforms.length !== 1 || config.supported_platforms[0] !== 'linux/amd64')) {
        add(['use_devel_base_images'], 'use_devel_base_images needs supported_platforms ["linux/amd64"]; FLOps rejects the project with HTTP 400 otherwise.');
      }
    },
  },
  {
    // §4 rule 4 comes before rule 3, whose comparisons assume positive counts.
    name: 'positive-counts',
    title: '§4 rule 4: rounds, cycles and client counts are at least 1.',
    check: (config, _options, add) => {
      const tc = config.training_configuration;
      for (const key of ['training_rounds', 'training_cycles', 'min_available_clients', 'min_fit_clients', 'min_evaluate_clients'] as const) {
        if (tc[key] < 1) add(tcPath(key), `${key} must be at least 1 (it is ${tc[key]}).`);
      }
    },
  },
  {
    name: 'client-counts',
    title: '§4 rule 3: min_fit_clients and min_evaluate_clients are at most min_available_clients (exactly that many learners are deployed).',
    check: (config, _options, add) => {
      const tc = config.training_configuration;
      for (const key of ['min_fit_clients', 'min_evaluate_clients'] as const) {
        if (tc[key] > tc.min_available_clients) {
          add(tcPath(key), `${key} (${tc[key]}) is larger than min_available_clients (${tc.min_available_clients}); FLOps deploys exactly min_available_clients learners, so Flower would wait forever. Lower ${key} or raise min_available_clients.`);
        }
      }
    },
  },
  {
    name: 'classic-cycles',
    title: '§4 rule 6: training_cycles only in hierarchical mode.',
    check: (config, _options, add) => {
      const tc = config.training_configuration;
      if (tc.mode === 'classic' && tc.training_cycles !== 1) add(tcPath('training_cycles'), 'training_cycles applies only to hierarchical mode; in classic mode FLOps ignores it.', 'warning');
    },
  },
  {
    name: 'supported-platforms',
    title: 'supported_platforms names at least one platform, each once.',
    check: (config, _options, add) => platformIssues(config.supported_platforms, ['supported_platforms'], 'supported_platforms', add),
  },
  {
    name: 'resource-constraints',
    title: 'resource_constraints are stored but not applied by FLOps.',
    check: (config, _options, add) => {
      const rc = config.resource_constraints;
      if (rc.memory !== 100 || rc.vcpus !== 1 || rc.storage !== 0) {
        add(['resource_constraints'], 'FLOps stores resource_constraints but does not apply them (its actor SLAs use 100 MB, 1 vCPU, no storage).', 'info');
      }
    },
  },
  {
    name: 'hierarchical-clusters',
    title: '§4 rule 5: hierarchical mode needs at least 2 clusters, on Oakestra and in the simulation.',
    check: (config, _options, add) => {
      const clusters = config.oakestra.clusters;
      if (config.training_configuration.mode !== 'hierarchical') return;
      if (clusters.length === 1) {
        add(['oakestra', 'clusters'], `Hierarchical mode needs at least 2 clusters, but oakestra.clusters names only "${clusters[0] ?? ''}"; with one cluster it is classic FL plus an extra aggregator. Add a cluster or use mode "classic".`);
      } else if (clusters.length === 0) {
        add(tcPath('mode'), 'Hierarchical mode needs at least 2 active Oakestra clusters with FLOps-learner workers holding data for the tags; the root aggregator waits for every active cluster. This is checked at deploy time (or list them in oakestra.clusters).', 'info');
      }
      if (config.simulation.clusters < 2) {
        add(['simulation', 'clusters'], `Hierarchical mode needs at least 2 simulated clusters (simulation.clusters is ${config.simulation.clusters}). Raise it or use mode "classic".`);
      }
    },
  },
  {
    name: 'duplicate-clusters',
    title: 'oakestra.clusters names each cluster once.',
    check: (config, _options, add) => {
      const clusters = config.oakestra.clusters;
      const twice = clusters.find((c, i) => clusters.indexOf(c) !== i);
      if (twice !== undefined) add(['oakestra', 'clusters', clusters.lastIndexOf(twice)], `oakestra.clusters lists "${twice}" twice.`, 'warning');
    },
  },
  {
    name: 'simulation-learners',
    title: 'The local simulation starts at least min_available_clients learners (per cluster in hierarchical mode).',
    check: (config, _options, add) => {
      const tc = config.training_configuration;
      const profiles = config.simulation.learner_profiles;
      const learners = simulationLearners(config);
      const perCluster = tc.mode === 'hierarchical' ? Math.floor(learners / Math.max(1, config.simulation.clusters)) : learners;
      if ((config.simulation.learners !== undefined || profiles !== undefined) && tc.min_available_clients >= 1 && perCluster < tc.min_available_clients) {
        const where = tc.mode === 'hierarchical' ? ` per cluster (${learners} over ${config.simulation.clusters} clusters gives ${perCluster})` : '';
        const needed = tc.mode === 'hierarchical' ? tc.min_available_clients * config.simulation.clusters : tc.min_available_clients;
        add(['simulation', 'learners'], `simulation.learners (${learners}) gives fewer learners${where} than min_available_clients (${tc.min_available_clients}); the local simulation would wait forever for the rest. Set simulation.learners to at least ${needed} or lower min_available_clients.`);
      }
    },
  },
  {
    name: 'learner-profiles',
    title: 'simulation.learner_profiles add up to simulation.learners.',
    check: (config, _options, add) => {
      const profiles = config.simulation.learner_profiles;
      if (profiles === undefined || config.simulation.learners === undefined) return;
      const profiled = profiles.reduce((sum, p) => sum + p.count, 0);
      if (profiled !== config.simulation.learners) {
        add(['simulation', 'learner_profiles'], `simulation.learner_profiles cover ${profiled} learners but simulation.learners is ${config.simulation.learners}; learners beyond the profiles get learner_resources and profiles beyond the count are unused. Make the counts add up to simulation.learners, or remove simulation.learners.`, 'warning');
      }
    },
  },
  {
    name: 'krum-learners',
    title: 'Krum has at least 2f + 3 training learners per round.',
    check: (config, _options, add) => {
      const strategy = config.flower.strategy;
      if (strategy.name !== 'Krum') return;
      const needed = 2 * strategy.num_malicious_nodes + 3;
      const fit = config.training_configuration.min_fit_clients;
      if (fit >= 1 && fit < needed) {
        add(strategyPath('num_malicious_nodes'), `Krum with num_malicious_nodes ${strategy.num_malicious_nodes} needs at least ${needed} training learners per round (2f + 3), but min_fit_clients is ${fit}. Raise min_fit_clients (and min_available_clients) or lower num_malicious_nodes.`);
      }
    },
  },
  {
    name: 'fedprox-mu',
    title: 'FedProx has a positive proximal_mu.',
    check: (config, _options, add) => {
      const strategy = config.flower.strategy;
      if (strategy.name === 'FedProx' && strategy.proximal_mu === 0) {
        add(strategyPath('proximal_mu'), 'FedProx with proximal_mu 0 is plain FedAvg. Use a positive proximal_mu (e.g. 0.1) or the FedAvg strategy.', 'warning');
      }
    },
  },
  {
    name: 'addon-strategy',
    title: 'The FLOps add-on trains with FedAvg only.',
    check: (config, _options, add) => {
      const strategy = config.flower.strategy;
      if (config.target === 'flops-addon' && strategy.name !== 'FedAvg') {
        add(strategyPath('name'), `The FLOps add-on always trains with FedAvg; flower.strategy "${strategy.name}" applies only to the generated runtime ("target": "generated").`, 'warning');
      }
    },
  },
  {
    name: 'flower-release',
    title: 'Flower is 1.23 or newer and the base image has the Python it needs.',
    check: (config, _options, add) => {
      const release = flowerRelease(config.flower.version);
      if (release === undefined) return;
      const [major, minor] = release;
      if (major < 1 || (major === 1 && minor < 23)) {
        add(['flower', 'version'], `Flower ${config.flower.version} is too old: the generated runtime uses the Message API and SuperExec of Flower 1.23 or newer.`);
      }
      const python = basePython(config.image.base_image);
      const needsPython: [number, number] = major > 1 || (major === 1 && minor >= 24) ? [3, 10] : [3, 9];
      if (python !== undefined && (python[0] < needsPython[0] || (python[0] === needsPython[0] && python[1] < needsPython[1]))) {
        add(['image', 'base_image'], `Flower ${config.flower.version} needs Python ${needsPython.join('.')} or newer, but ${config.image.base_image} has Python ${python.join('.')}. Use e.g. "python:3.10-slim".`);
      }
    },
  },
  {
    name: 'image-platforms',
    title: 'image.platforms names at least one platform, each once.',
    check: (config, _options, add) => {
      if (config.image.platforms !== undefined) platformIssues(imagePlatforms(config), ['image', 'platforms'], 'image.platforms', add);
    },
  },
  {
    name: 'registry-for-oakestra',
    title: 'Deploying the generated image to Oakestra needs image.registry.',
    check: (config, _options, add) => {
      if (config.oakestra.url !== undefined && config.target === 'generated' && config.image.registry === undefined) {
        add(['oakestra', 'url'], 'Deploying the generated image to Oakestra needs image.registry: the workers pull the image from a registry they can reach.', 'warning');
      }
    },
  },
  {
    name: 'dataset-file',
    title: 'simulation.dataset.file is a format load_dataset() reads, and exists.',
    check: (config, options, add) => {
      const file = config.simulation.dataset.file;
      if (file === undefined) return;
      const normalised = posix.normalize(file.replace(/\\/g, '/'));
      const extension = posix.extname(normalised).toLowerCase();
      if (!(datasetExtensions as readonly string[]).includes(extension)) {
        add(['simulation', 'dataset', 'file'], `simulation.dataset.file "${file}" is not ${datasetExtensions.join(', ')}; the local load_dataset() reads only those formats.`, 'warning');
      }
      const inside = !posix.isAbsolute(normalised) && !/^[A-Za-z]:/.test(normalised) && normalised !== '..' && !normalised.startsWith('../');
      if (inside && options.fileExists?.(normalised) === false) {
        add(['simulation', 'dataset', 'file'], `simulation.dataset.file "${file}" does not exist (relative to the folder of flops.json); the local simulation cannot load its data.`);
      }
    },
  },
  {
    name: 'mlflow-uri-unused',
    title: 'simulation.mlflow.tracking_uri only with MLflow enabled.',
    check: (config, _options, add) => {
      if (config.simulation.mlflow.tracking_uri !== undefined && !config.simulation.mlflow.enabled) {
        add(['simulation', 'mlflow', 'tracking_uri'], 'simulation.mlflow.tracking_uri is ignored while simulation.mlflow.enabled is false.', 'warning');
      }
    },
  },
  {
    name: 'lint-rule-ids',
    title: 'lint.rules names only known rule ids.',
    check: (config, options, add) => {
      if (options.knownRules === undefined) return;
      for (const id of options.writtenRuleIds ?? Object.keys(config.lint.rules)) {
        if (options.knownRules.has(id)) continue;
        const near = closestMatch(id, options.knownRules);
        add(['lint', 'rules', id], `Unknown rule id "${id}".${near !== undefined ? ` Did you mean "${near}"?` : ''}`, 'warning');
      }
    },
  },
];

/** Checks the relations between the fields of a schema-valid project file. Pure; never throws. */
export function checkProjectRules(config: ProjectFile, options: ProjectRuleOptions = {}): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add: Add = (path, message, severity = 'error') => {
    issues.push({ path, message, severity });
  };
  for (const rule of projectChecks) rule.check(config, options, add);
  return issues;
}

import { z } from 'zod';
import { imageReferencePattern, imageReferenceProblem, registryPattern } from './image-reference';

/**
 * The project file `flops.json`: the FLOps project fields (flops-contract.md §4) verbatim, with FLOps'
 * names, `customerID` casing and defaults, plus what this extension adds: the Flower runtime (version,
 * strategy, per-round config), the local simulation, the image, the Oakestra target, `target` (which
 * runtime builds the images) and per-rule lint severities.
 *
 * This schema is the single source of truth for the file: runtime validation (lint, CLI), the JSON Schema
 * in schemas/ (`npm run schemas`), editor completion and hover all come from it. Every field has a
 * description and examples, because those become the hover text. Every field has a default or is
 * optional, so `{}` is a valid project. Relations between fields are checked by `checkProjectRules`
 * (project-rules.ts), not here, so that one bad value does not hide every other finding.
 */

export const modelFlavors = ['sklearn', 'pytorch', 'tensorflow', 'keras'] as const;
export type ModelFlavor = (typeof modelFlavors)[number];

export const platforms = ['linux/amd64', 'linux/arm64'] as const;

export const ruleSeveritySetting = z.enum(['off', 'info', 'warning', 'error']);
export type RuleSeveritySetting = z.infer<typeof ruleSeveritySetting>;

export const strategyNames = ['FedAvg', 'FedProx', 'FedAdam', 'FedYogi', 'FedAdagrad', 'FedMedian', 'FedTrimmedAvg', 'Krum'] as const;
export type StrategyName = (typeof strategyNames)[number];

/** The newest Flower release the generated runtime is tested with (flower-mlflow.md §1). */
export const defaultFlowerVersion = '1.27.0';

const count = z.int();

/** A string that must be a container image reference (or, with `registryPattern`, a registry prefix). */
function imageReference(what: string, pattern: RegExp = imageReferencePattern): z.ZodString {
  return z.string().regex(pattern, { error: (issue) => imageReferenceProblem(String(issue.input), 'the value', pattern) ?? `${what} is not valid` });
}

export const trainingConfigurationSchema = z
  .object({
    mode: z
      .enum(['classic', 'hierarchical'])
      .default('classic')
      .meta({
        description: 'Classic FL (one aggregator) or hierarchical FL (a root aggregator and one aggregator per Oakestra cluster).',
        examples: ['classic', 'hierarchical'],
      }),
    data_tags: z
      .array(z.string())
      .default([])
      .meta({
        description: 'Tags of the data on the learner nodes; each learner loads the data stored under these tags. Non-empty in practice; no ".", "," or whitespace in a tag.',
        examples: [['mnist']],
      }),
    training_rounds: count.default(3).meta({ description: 'FL rounds (per cycle in hierarchical mode). At least 1.', examples: [3, 10] }),
    training_cycles: count.default(1).meta({ description: 'Hierarchical mode only: root-to-cluster aggregation cycles. At least 1; ignored in classic mode.', examples: [1, 10] }),
    min_available_clients: count.default(1).meta({
      description: 'Learners that must connect before training starts; also how many learners FLOps deploys (per cluster in hierarchical mode). At least 1.',
      examples: [2, 4],
    }),
    min_fit_clients: count.default(1).meta({ description: 'Learners that train in each round; at most min_available_clients.', examples: [2] }),
    min_evaluate_clients: count.default(1).meta({ description: 'Learners that evaluate in each round; at most min_available_clients.', examples: [2] }),
  });

const fractionTrain = z
  .number()
  .gt(0)
  .max(1)
  .default(1)
  .meta({ description: 'Share of the connected learners sampled for training in each round (0 < x ≤ 1).', examples: [1, 0.5] });
const fractionEvaluate = z
  .number()
  .min(0)
  .max(1)
  .default(1)
  .meta({ description: 'Share of the connected learners sampled for evaluation in each round (0 ≤ x ≤ 1).', examples: [1, 0.5] });

const strategyName = <N extends StrategyName>(name: N, description: string) => z.literal(name).meta({ description, examples: [name] });

/** Server-side optimiser hyper-parameters shared by FedAdam, FedYogi and FedAdagrad (Flower's names). */
const adaptive = (defaults: { eta: number; eta_l: number }) => ({
  eta: z.number().positive().default(defaults.eta).meta({ description: 'Server-side learning rate.', examples: [defaults.eta] }),
  eta_l: z.number().positive().default(defaults.eta_l).meta({ description: 'Client-side learning rate Flower assumes for the adaptive update.', examples: [defaults.eta_l] }),
  tau: z.number().positive().default(1e-3).meta({ description: 'Controls the degree of adaptability (numerical stability term).', examples: [1e-3] }),
});
const betas = {
  beta_1: z.number().min(0).lt(1).default(0.9).meta({ description: 'Momentum parameter (0 ≤ x < 1).', examples: [0.9] }),
  beta_2: z.number().min(0).lt(1).default(0.99).meta({ description: 'Second-moment parameter (0 ≤ x < 1).', examples: [0.99] }),
};

export const strategySchema = z
  .discriminatedUnion(
    'name',
    [
      z.object({ name: strategyName('FedAvg', 'Federated averaging, weighted by each learner\'s number of examples.'), fraction_train: fractionTrain, fraction_evaluate: fractionEvaluate }),
      z.object({
        name: strategyName('FedProx', 'FedAvg plus a proximal term that keeps local models near the global one; the training loop must add the term (Flower sends proximal_mu as config["proximal-mu"]).'),
        fraction_train: fractionTrain,
        fraction_evaluate: fractionEvaluate,
        proximal_mu: z
          .number()
          .min(0)
          .default(0.1)
          .meta({ description: 'Weight of the proximal term. 0 makes FedProx identical to FedAvg (Flower\'s own default is 0).', examples: [0.1, 0.01, 1] }),
      }),
      z.object({ name: strategyName('FedAdam', 'Adaptive server optimiser (Adam) over the averaged update.'), fraction_train: fractionTrain, fraction_evaluate: fractionEvaluate, ...adaptive({ eta: 0.1, eta_l: 0.1 }), ...betas }),
      z.object({ name: strategyName('FedYogi', 'Adaptive server optimiser (Yogi) over the averaged update.'), fraction_train: fractionTrain, fraction_evaluate: fractionEvaluate, ...adaptive({ eta: 0.01, eta_l: 0.0316 }), ...betas }),
      z.object({ name: strategyName('FedAdagrad', 'Adaptive server optimiser (Adagrad) over the averaged update.'), fraction_train: fractionTrain, fraction_evaluate: fractionEvaluate, ...adaptive({ eta: 0.1, eta_l: 0.1 }) }),
      z.object({ name: strategyName('FedMedian', 'Coordinate-wise median of the updates (robust to outliers).'), fraction_train: fractionTrain, fraction_evaluate: fractionEvaluate }),
      z.object({
        name: strategyName('FedTrimmedAvg', 'Average after dropping the largest and smallest values of each coordinate.'),
        fraction_train: fractionTrain,
        fraction_evaluate: fractionEvaluate,
        beta: z.number().min(0).lt(0.5).default(0.2).meta({ description: 'Fraction cut from each end before averaging (0 ≤ x < 0.5).', examples: [0.2] }),
      }),
      z.object({
        name: strategyName('Krum', 'Picks the update closest to its neighbours (Byzantine-robust).'),
        fraction_train: fractionTrain,
        fraction_evaluate: fractionEvaluate,
        num_malicious_nodes: z
          .int()
          .min(0)
          .default(0)
          .meta({ description: 'Learners assumed malicious (f). Krum needs at least 2f + 3 training learners per round.', examples: [0, 1] }),
      }),
    ],
    { error: `strategy.name must be one of ${strategyNames.join(', ')}` },
  )
  .prefault({ name: 'FedAvg' })
  .meta({ description: 'The Flower strategy that aggregates the learners\' updates, with its hyper-parameters (Flower\'s names and defaults). Used by the generated runtime; the FLOps add-on always uses FedAvg.', examples: [{ name: 'FedAvg' }, { name: 'FedProx', proximal_mu: 0.1 }] });

export const flowerSchema = z
  .object({
    version: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, { error: 'flower.version must be a release number such as "1.27.0"' })
      .default(defaultFlowerVersion)
      .meta({ description: 'The flwr release installed in the generated image. 1.23 or newer: older releases lack the Message API the generated code uses.', examples: [defaultFlowerVersion, '1.23.0'] }),
    strategy: strategySchema,
    round_config: z
      .object({
        local_epochs: z.int().min(1).default(1).meta({ description: 'Local epochs per round, sent to each learner as config["local-epochs"].', examples: [1, 5] }),
        learning_rate: z.number().positive().default(0.01).meta({ description: 'Learner learning rate, sent as config["lr"]. Has an effect only if the training code reads it.', examples: [0.01, 0.001] }),
        batch_size: z.int().min(1).default(32).meta({ description: 'Learner batch size, sent as config["batch-size"].', examples: [32, 64] }),
      })
      .prefault({})
      .meta({ description: 'Settings the aggregator sends to every learner each round. fit_model() takes no arguments, so they matter only if the user code reads them.' }),
  })
  .prefault({})
  .meta({ description: 'The Flower runtime this extension generates (ignored by the FLOps add-on, which pins flwr 1.8 and FedAvg).' });

export const partitioningSchema = z
  .discriminatedUnion(
    'method',
    [
      z.object({ method: z.literal('iid').meta({ description: 'Shuffle and split evenly: every learner sees the same label mix.', examples: ['iid'] }) }),
      z.object({
        method: z.literal('dirichlet').meta({ description: 'Non-IID by label: each learner\'s label mix is drawn from a Dirichlet distribution.', examples: ['dirichlet'] }),
        alpha: z.number().positive().default(0.5).meta({ description: 'Dirichlet concentration: small (0.1) gives very skewed learners, large (100) is close to IID.', examples: [0.5, 0.1, 10] }),
        label_column: z.string().min(1).default('label').meta({ description: 'Column holding the label the split is skewed by.', examples: ['label'] }),
      }),
    ],
    { error: 'partitioning.method must be "iid" or "dirichlet"' },
  )
  .prefault({ method: 'iid' })
  .meta({ description: 'How the dataset is split across the simulated learners (deterministic for a given seed).', examples: [{ method: 'iid' }, { method: 'dirichlet', alpha: 0.5 }] });

/** Hardware classes a learner group can name (simulation.learner_profiles[].preset). */
export const learnerPresets = {
  'pi-class': { cpus: 0.5, memory_mb: 512 },
  'jetson-class': { cpus: 1, memory_mb: 2048 },
  laptop: { cpus: 2, memory_mb: 4096 },
  server: { cpus: 4, memory_mb: 8192 },
} as const;

const learnerProfileSchema = z
  .object({
    count: z.int().min(1).meta({ description: 'Learners in this group.', examples: [2] }),
    preset: z
      .enum(Object.keys(learnerPresets) as [keyof typeof learnerPresets, ...(keyof typeof learnerPresets)[]])
      .optional()
      .meta({ description: 'A hardware class: pi-class (0.5 CPU, 512 MB), jetson-class (1 CPU, 2048 MB), laptop (2 CPUs, 4096 MB), server (4 CPUs, 8192 MB).', examples: ['pi-class'] }),
    name: z.string().min(1).optional().meta({ description: 'Label shown in the run monitor. Default: the preset, or "custom".', examples: ['field sensors'] }),
    cpus: z.number().positive().optional().meta({ description: 'CPU limit per learner of the group (overrides the preset).', examples: [0.5] }),
    memory_mb: z.int().min(64).optional().meta({ description: 'Memory limit per learner of the group, in MB (overrides the preset).', examples: [512] }),
  })
  .meta({ description: 'A group of simulated learners sharing one hardware profile.' });

export const simulationSchema = z
  .object({
    learners: z
      .int()
      .min(1)
      .optional()
      .meta({ description: 'Learner containers the local simulation starts. Default: min_available_clients (times simulation.clusters in hierarchical mode).', examples: [2, 10] }),
    clusters: z.int().min(1).default(2).meta({ description: 'Hierarchical mode only: simulated clusters, each with its own aggregator; the learners are spread evenly over them.', examples: [2, 3] }),
    dataset: z
      .object({
        file: z
          .string()
          .min(1)
          .optional()
          .meta({ description: 'Local dataset the learners share (.csv, .parquet, .json or .jsonl), relative to flops.json. load_dataset() returns each learner\'s partition of it.', examples: ['data/digits.csv', 'data/train.parquet'] }),
        seed: z.int().default(42).meta({ description: 'Seed of the partitioning, so every run splits the data the same way.', examples: [42] }),
        partitioning: partitioningSchema,
      })
      .prefault({})
      .meta({ description: 'The data of the local simulation.' }),
    learner_resources: z
      .object({
        cpus: z.number().positive().default(1).meta({ description: 'CPU limit per learner container (fractions allowed).', examples: [1, 0.5, 2] }),
        memory_mb: z.int().min(64).default(1024).meta({ description: 'Memory limit per learner container, in MB.', examples: [1024, 512] }),
      })
      .prefault({})
      .meta({ description: 'Docker limits for each simulated learner.' }),
    learner_profiles: z
      .array(learnerProfileSchema)
      .min(1)
      .optional()
      .meta({
        description:
          'Mixed edge hardware: groups of learners with their own CPU and memory limits, in learner order. The learner count is then the sum of the counts. Each group takes a preset (pi-class 0.5 CPU / 512 MB, jetson-class 1 CPU / 2048 MB, laptop 2 CPUs / 4096 MB, server 4 CPUs / 8192 MB) and/or explicit cpus and memory_mb; what is left out comes from learner_resources.',
        examples: [[{ count: 2, preset: 'pi-class' }, { count: 2, preset: 'laptop' }]],
      }),
    mlflow: z
      .object({
        enabled: z.boolean().default(false).meta({ description: 'Track the run in MLflow: starts an MLflow server container unless tracking_uri names one.', examples: [true] }),
        tracking_uri: z
          .url({ protocol: /^https?$/, error: 'tracking_uri must be an http(s) URL such as "http://127.0.0.1:5000"' })
          .optional()
          .meta({ description: 'An existing MLflow server to log to instead of starting one.', examples: ['http://127.0.0.1:5000'] }),
        experiment: z.string().min(1).default('flops').meta({ description: 'MLflow experiment name.', examples: ['flops', 'mnist-fedavg'] }),
        image: imageReference('simulation.mlflow.image').default('ghcr.io/mlflow/mlflow:v3.7.0').meta({ description: 'MLflow server image (tags carry a "v").', examples: ['ghcr.io/mlflow/mlflow:v3.7.0'] }),
        port: z.int().min(1).max(65535).optional().meta({ description: 'Host port (on 127.0.0.1) of the MLflow server the simulation starts. Unset: a free port per run (shown by `flops sim status`); the generated compose.yaml uses 5000.', examples: [5000] }),
      })
      .prefault({})
      .meta({ description: 'Optional MLflow tracking of the local simulation.' }),
  })
  .prefault({})
  .meta({ description: 'The local Docker simulation: learners, data, limits, tracking. Never sent to FLOps.' });

export const imageSchema = z
  .object({
    base_image: imageReference('image.base_image')
      .default('python:3.10-slim')
      .meta({ description: 'Base image of the generated learner/aggregator image. Python 3.10 or newer for Flower 1.24+.', examples: ['python:3.10-slim', 'pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime'] }),
    offline: z
      .boolean()
      .default(false)
      .meta({ description: 'Build without network (edge sites often have none): pip installs only from .flops/wheels/ and what base_image already has (PIP_ARGS=--no-index), and fails at once instead of retrying an index it cannot reach.', examples: [true] }),
    registry: z
      .string()
      .regex(/^(?![a-zA-Z][a-zA-Z0-9+.-]*:\/\/)/, { error: 'image.registry is host[:port][/path] without a scheme, e.g. "ghcr.io/my-org"' })
      .regex(registryPattern, { error: (issue) => imageReferenceProblem(String(issue.input), 'the value', registryPattern) ?? 'image.registry is not valid' })
      .optional()
      .meta({ description: 'Registry the image is pushed to for deployment; Oakestra workers pull from it.', examples: ['ghcr.io/my-org', '192.168.1.10:5000'] }),
    platforms: z
      .array(z.enum(platforms))
      .optional()
      .meta({ description: 'Platforms to build the generated image for. Default: supported_platforms.', examples: [['linux/amd64'], ['linux/amd64', 'linux/arm64']] }),
  })
  .prefault({})
  .meta({ description: 'The image this extension builds for simulation and deployment.' });

export const oakestraSchema = z
  .object({
    url: z
      .url({ protocol: /^https?$/, error: 'oakestra.url must be an http(s) URL such as "http://192.168.1.10:10000"' })
      .optional()
      .meta({ description: 'The Oakestra system manager (root orchestrator) API, port 10000 by default.', examples: ['http://192.168.1.10:10000'] }),
    clusters: z
      .array(z.string().min(1))
      .default([])
      .meta({ description: 'Clusters the learners may be placed on (cluster constraints). Hierarchical mode needs at least 2.', examples: [['cluster1', 'cluster2']] }),
  })
  .prefault({})
  .meta({ description: 'Where and how to deploy to Oakestra.' });

export const projectFileSchema = z
  .object({
    $schema: z.string().optional().meta({ description: 'The JSON Schema of this file, for editors other than VS Code (VS Code attaches it by file name).', examples: ['./flops-project.schema.json'] }),
    customerID: z.string().default('Admin').meta({ description: 'The Oakestra user that owns the project, its observatory and MLflow data (FLOps reads this key directly).', examples: ['Admin'] }),
    verbose: z.boolean().default(false).meta({ description: 'FLOps posts extra progress messages to the project observer.', examples: [true] }),
    ml_repo_url: z
      .string()
      .optional()
      .meta({ description: 'https://github.com/<owner>/<repo> of the public repository FLOps clones (repository name in lowercase).', examples: ['https://github.com/example-org/mnist-sklearn'] }),
    ml_model_flavor: z
      .enum(modelFlavors)
      .optional()
      .meta({ description: 'The ML framework of ModelManager.get_model(); detected from imports when absent. "tensorflow" is accepted by FLOps but broken: use "keras".', examples: ['sklearn', 'pytorch', 'keras'] }),
    use_devel_base_images: z.boolean().default(false).meta({ description: 'Use FLOps\' prebuilt development base images (only for its example repos; linux/amd64 only).', examples: [false] }),
    supported_platforms: z
      .array(z.enum(platforms))
      .default(['linux/amd64'])
      .meta({ description: 'Platforms FLOps builds the learner images for; foreign ones build under QEMU, about 4.5x slower.', examples: [['linux/amd64'], ['linux/amd64', 'linux/arm64']] }),
    training_configuration: trainingConfigurationSchema
      .prefault({})
      .meta({ description: 'How FLOps trains: mode, data, rounds and how many learners take part.', examples: [{ data_tags: ['mnist'], min_available_clients: 2, min_fit_clients: 2, min_evaluate_clients: 2 }] }),
    post_training_steps: z
      .array(z.enum(['build_image_for_trained_model', 'deploy_trained_model_image']))
      .default([])
      .meta({ description: 'What FLOps does with the trained model: build an inference image, and deploy it (deploying needs the build step).', examples: [['build_image_for_trained_model', 'deploy_trained_model_image']] }),
    resource_constraints: z
      .object({
        memory: z.int().default(100).meta({ description: 'MB per FL actor. Stored but not applied by FLOps (its SLAs use 100).', examples: [100] }),
        vcpus: z.int().default(1).meta({ description: 'Cores per FL actor. Stored but not applied by FLOps (its SLAs use 1).', examples: [1] }),
        storage: z.int().default(0).meta({ description: 'MB of storage per FL actor. Stored but not applied by FLOps (its SLAs use 0).', examples: [0] }),
      })
      .prefault({})
      .meta({ description: 'Resources for the FL actors on Oakestra, as FLOps stores them.' }),
    flower: flowerSchema,
    simulation: simulationSchema,
    image: imageSchema,
    oakestra: oakestraSchema,
    target: z
      .enum(['generated', 'flops-addon'])
      .default('generated')
      .meta({
        description: '"generated": this extension generates and builds the FL runtime, and FLOps-builder-only restrictions are warnings. "flops-addon": the FLOps add-on builds the images, and its extra restrictions are errors.',
        examples: ['generated', 'flops-addon'],
      }),
    lint: z
      .object({
        rules: z
          .record(z.string(), ruleSeveritySetting)
          .default({})
          .meta({ description: 'Severity per lint rule id: "off", "info", "warning" or "error".', examples: [{ 'flops/conda-owned-pip': 'off' }] }),
      })
      .prefault({})
      .meta({ description: 'Lint settings shared by the editor and `flops lint`.' }),
  })
  .meta({ title: 'FLOps project file (flops.json)', description: 'A federated-learning project: the FLOps project request plus the local simulation, the image and the Oakestra target.' });

export type ProjectFile = z.infer<typeof projectFileSchema>;

/** The keys FLOps' project request carries (flops-contract.md §4); everything else stays local. */
export const flopsRequestKeys = [
  'customerID',
  'verbose',
  'ml_repo_url',
  'ml_model_flavor',
  'use_devel_base_images',
  'supported_platforms',
  'training_configuration',
  'post_training_steps',
  'resource_constraints',
] as const;

/**
 * The FLOps project request (`POST /api/flops/projects/`) of a project: its FLOps fields only, with
 * defaults applied; the local sections are stripped (upstream ignores unknown keys, but they are ours).
 */
export function toFlopsProjectRequest(config: ProjectFile): Record<string, unknown> {
  const request: Record<string, unknown> = {};
  for (const key of flopsRequestKeys) if (config[key] !== undefined) request[key] = config[key];
  return request;
}

/** The number of learners the local simulation starts (see `simulation.learners`). */
export function simulationLearners(config: ProjectFile): number {
  const tc = config.training_configuration;
  const profiles = config.simulation.learner_profiles;
  if (profiles !== undefined && config.simulation.learners === undefined) return profiles.reduce((sum, p) => sum + p.count, 0);
  return config.simulation.learners ?? tc.min_available_clients * (tc.mode === 'hierarchical' ? config.simulation.clusters : 1);
}

/** One learner's hardware profile in the local simulation (1-based learner numbers). */
export interface LearnerResources {
  readonly profile: string;
  readonly cpus: number;
  readonly memory_mb: number;
}

/**
 * The CPU/memory limits of each of `learners` simulated learners: the profile groups in order, then
 * `learner_resources` for any learner the groups do not cover.
 */
export function learnerResources(config: ProjectFile, learners: number = simulationLearners(config)): LearnerResources[] {
  const base = config.simulation.learner_resources;
  const result: LearnerResources[] = [];
  for (const group of config.simulation.learner_profiles ?? []) {
    const preset = group.preset !== undefined ? learnerPresets[group.preset] : undefined;
    const profile = { profile: group.name ?? group.preset ?? 'custom', cpus: group.cpus ?? preset?.cpus ?? base.cpus, memory_mb: group.memory_mb ?? preset?.memory_mb ?? base.memory_mb };
    for (let i = 0; i < group.count && result.length < learners; i++) result.push(profile);
  }
  while (result.length < learners) result.push({ profile: 'default', cpus: base.cpus, memory_mb: base.memory_mb });
  return result;
}

/** The platforms of the generated image (see `image.platforms`). */
export function imagePlatforms(config: ProjectFile): readonly (typeof platforms)[number][] {
  return config.image.platforms ?? config.supported_platforms;
}

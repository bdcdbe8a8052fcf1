import { z } from 'zod';

/**
 * The FLOps project fields of `flops.json` (flops-contract.md §4), with FLOps' defaults, plus what this
 * extension adds: `target` (which runtime builds the images) and per-rule severity overrides.
 * This schema is the single source of truth for the file; the JSON Schema in schemas/ is generated from it.
 */

export const modelFlavors = ['sklearn', 'pytorch', 'tensorflow', 'keras'] as const;
export type ModelFlavor = (typeof modelFlavors)[number];

export const platforms = ['linux/amd64', 'linux/arm64'] as const;

export const ruleSeveritySetting = z.enum(['off', 'info', 'warning', 'error']);
export type RuleSeveritySetting = z.infer<typeof ruleSeveritySetting>;

const count = z.int().describe('A whole number; FLOps needs at least 1.');

export const trainingConfigurationSchema = z.object({
  mode: z.enum(['classic', 'hierarchical']).default('classic').describe('Classic FL or hierarchical FL over Oakestra clusters.'),
  data_tags: z.array(z.string()).default([]).describe('Tags of the data on the learner nodes; each learner loads the data stored under these tags.'),
  training_rounds: count.default(3).describe('FL rounds (per cycle in hierarchical mode).'),
  training_cycles: count.default(1).describe('Hierarchical mode only: root-to-cluster rounds.'),
  min_available_clients: count.default(1).describe('Learners that must connect before training starts; also how many learners FLOps deploys.'),
  min_fit_clients: count.default(1).describe('Learners that train in each round.'),
  min_evaluate_clients: count.default(1).describe('Learners that evaluate in each round.'),
});

export const projectFileSchema = z.object({
  $schema: z.string().optional(),
  customerID: z.string().default('Admin').describe('The Oakestra user that owns the project.'),
  verbose: z.boolean().default(false),
  ml_repo_url: z.string().optional().describe('https://github.com/<owner>/<repo> of the public repository FLOps clones.'),
  ml_model_flavor: z.enum(modelFlavors).optional().describe('The ML framework of ModelManager.get_model(); detected from imports when absent.'),
  use_devel_base_images: z.boolean().default(false),
  supported_platforms: z.array(z.enum(platforms)).default(['linux/amd64']),
  training_configuration: trainingConfigurationSchema.prefault({}),
  post_training_steps: z
    .array(z.enum(['build_image_for_trained_model', 'deploy_trained_model_image']))
    .default([]),
  resource_constraints: z
    .object({ memory: z.int().default(100), vcpus: z.int().default(1), storage: z.int().default(0) })
    .prefault({}),
  target: z
    .enum(['generated', 'flops-addon'])
    .default('generated')
    .describe('"flops-addon": images are built by the FLOps add-on\'s builder, whose extra restrictions become errors. "generated": this extension generates the FL runtime.'),
  lint: z
    .object({
      rules: z.record(z.string(), ruleSeveritySetting).default({}).describe('Severity per rule id, e.g. {"flops/conda-owned-pip": "off"}.'),
    })
    .prefault({}),
});

export type ProjectFile = z.infer<typeof projectFileSchema>;

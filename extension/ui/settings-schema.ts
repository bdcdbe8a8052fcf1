import { z } from 'zod';

/** One entry of `flops.oakestra.targets`; the password is in secret storage, never here. */
export const oakestraTargetSetting = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/),
  url: z.string().regex(/^https?:\/\//),
  username: z.string().min(1),
  organization: z.string().optional(),
  flopsUrl: z.string().regex(/^https?:\/\//).optional(),
  registry: z.string().optional(),
  registryUsername: z.string().optional(),
  registryInsecure: z.boolean().default(false),
});

export type OakestraTargetSetting = z.infer<typeof oakestraTargetSetting>;

/**
 * The `flops` settings users see are declared in package.json (contributes.configuration); this schema
 * parses them with the same defaults. A unit test keeps the two key sets equal. Kept apart from
 * settings.ts so that test runs without VS Code.
 */
export const settingsSchema = z.object({
  'lint.enabled': z.boolean().default(true),
  'simulation.dockerHost': z.string().default(''),
  'check.python': z.string().default('python3'),
  'metrics.mlflowUrl': z.string().default(''),
  'oakestra.targets': z.array(oakestraTargetSetting).default([]),
  'oakestra.pollSeconds': z.number().min(1).default(5),
});

export type Settings = z.infer<typeof settingsSchema>;

import { z } from 'zod';

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
});

export type Settings = z.infer<typeof settingsSchema>;

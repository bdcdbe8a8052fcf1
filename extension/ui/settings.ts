import * as vscode from 'vscode';
import { z } from 'zod';

/**
 * The `flops` settings users see are declared in package.json (contributes.configuration); this schema
 * parses them with the same defaults. A unit test keeps the two key sets equal.
 */
export const settingsSchema = z.object({
  'lint.enabled': z.boolean().default(true),
});

export type Settings = z.infer<typeof settingsSchema>;

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const config = vscode.workspace.getConfiguration('flops', scope);
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(settingsSchema.shape)) {
    const value = config.get<unknown>(key);
    if (value !== undefined) raw[key] = value;
  }
  const parsed = settingsSchema.safeParse(raw);
  // A malformed user value falls back to the default rather than breaking activation.
  return parsed.success ? parsed.data : settingsSchema.parse({});
}

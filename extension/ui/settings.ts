import * as vscode from 'vscode';
import { settingsSchema, type Settings } from './settings-schema';

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

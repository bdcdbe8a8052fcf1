import * as vscode from 'vscode';

/** Every context key this extension sets (style.md: `flops.<state>`, set through this one helper). */
export const contextKeys = {
  /** A local simulation started from this window is running (palette and menu `when` clauses). */
  simulationRunning: 'flops.simulationRunning',
} as const;

export type ContextKey = (typeof contextKeys)[keyof typeof contextKeys];

export function setContextKey(key: ContextKey, value: boolean | string | number): Thenable<unknown> {
  return vscode.commands.executeCommand('setContext', key, value);
}

import * as vscode from 'vscode';
import { asError, FlError } from '../core/errors';
import type { Logger } from '../core/ports';

/** A palette command: id as declared in package.json (and command-ids.ts), and what it does. */
export interface CommandSpec {
  readonly id: string;
  readonly run: (...args: unknown[]) => Promise<unknown>;
}

export type CommandRunner = (id: string, args: unknown[]) => Promise<unknown>;

/**
 * Runs commands through the one wrapper where errors reach the user: a cancelled operation shows
 * nothing, a known failure one sentence with "Show Log", anything else is logged with its stack and
 * shown as a generic failure. main.ts registers the ids and forwards to this runner. `onFailure`
 * hears of every failure that was shown (editor-root.ts makes it an event of the extension's API, since
 * `executeCommand` resolves either way and a caller could not tell otherwise).
 */
export function createCommandRunner(logger: Logger, showLog: () => void, commands: readonly CommandSpec[], onFailure?: (id: string, error: unknown) => void): CommandRunner {
  const byId = new Map(commands.map((c) => [c.id, c]));
  return async (id, args) => {
    const spec = byId.get(id);
    if (spec === undefined) throw new Error(`no handler for command ${id}`);
    try {
      return await spec.run(...args);
    } catch (error) {
      if (error instanceof FlError && error.kind === 'cancelled') return undefined;
      onFailure?.(id, error);
      const known = error instanceof FlError;
      logger.error(asError(error));
      if (known && error.detail !== undefined) logger.error(`[${id}] ${error.detail}`);
      const message = known ? error.message : `FLOps: ${id} failed unexpectedly. See the log for details.`;
      void vscode.window.showErrorMessage(message, 'Show Log').then((choice) => {
        if (choice === 'Show Log') showLog();
      });
      return undefined;
    }
  };
}

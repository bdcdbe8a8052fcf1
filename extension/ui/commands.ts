import * as vscode from 'vscode';
import { FlError } from '../core/errors';
import type { Logger } from '../core/ports';

/** A palette command: id as declared in package.json, and what it does. */
export interface CommandSpec {
  readonly id: string;
  readonly run: (...args: unknown[]) => Promise<unknown>;
}

/**
 * Registers the commands, each through the one wrapper where errors reach the user: a cancelled
 * operation shows nothing, a known failure one sentence with "Show Log", anything else is logged with
 * its stack and shown as a generic failure.
 */
export function registerCommands(ctx: vscode.ExtensionContext, logger: Logger, showLog: () => void, commands: readonly CommandSpec[]): void {
  for (const spec of commands) {
    ctx.subscriptions.push(
      vscode.commands.registerCommand(spec.id, async (...args: unknown[]) => {
        try {
          return await spec.run(...args);
        } catch (error) {
          if (error instanceof FlError && error.kind === 'cancelled') return undefined;
          const known = error instanceof FlError;
          logger.error(error instanceof Error ? error : new Error(String(error)));
          if (known && error.detail !== undefined) logger.error(`[${spec.id}] ${error.detail}`);
          const message = known ? error.message : `FLOps: ${spec.id} failed unexpectedly. See the log for details.`;
          const choice = await vscode.window.showErrorMessage(message, 'Show Log');
          if (choice === 'Show Log') showLog();
          return undefined;
        }
      }),
    );
  }
}

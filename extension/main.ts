import path from 'node:path';
import * as vscode from 'vscode';
import type { Features } from './editor-root';
import { commandIds, metricsViewType } from './ui/command-ids';
import { asError } from './core/errors';

/** The public surface of the extension, for tests and other extensions. */
export interface FlopsApi {
  /** Resolves when linting and every command are ready (rejects if they failed to load). */
  readonly ready: Promise<Features>;
}

/**
 * What `deactivate` waits for. VS Code calls deactivate without arguments and does not await the
 * disposal of `ctx.subscriptions`, so stopping simulations (removing their containers) before the
 * extension host exits needs this one piece of module state; it holds a function, set by activate.
 */
let shutdown: (() => Promise<void>) | undefined;

/**
 * Activation does only what must happen synchronously: the log channel and the command ids (so the
 * palette works at once). The editor's composition root (dist/editor-root.js, a bundle of its own) is loaded on the next tick, so the
 * module evaluation of zod, yaml, simple-git and the linter is not part of activation time
 * (measured by `npm run bench`).
 */
export function activate(ctx: vscode.ExtensionContext): FlopsApi {
  const channel = vscode.window.createOutputChannel('FLOps', { log: true });
  ctx.subscriptions.push(channel);
  const ready = new Promise<Features>((resolve, reject) => {
    setImmediate(() => {
      try {
        // A separate bundle next to this one; a plain require keeps esbuild from inlining it.
        const load = require as (id: string) => { startFeatures: (c: vscode.ExtensionContext, ch: vscode.LogOutputChannel) => Features };
        resolve(load(path.join(__dirname, 'editor-root.js')).startFeatures(ctx, channel));
      } catch (error) {
        channel.error(asError(error));
        reject(asError(error));
      }
    });
  });
  // Without a handler, a failed load would be an unhandled rejection; the commands report it.
  ready.catch(() => undefined);
  shutdown = async () => (await ready.catch(() => undefined))?.shutdown();
  for (const id of Object.values(commandIds)) {
    ctx.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        let features: Features;
        try {
          features = await ready;
        } catch {
          const choice = await vscode.window.showErrorMessage('FLOps failed to start; see the log. Reinstalling the extension usually helps.', 'Show Log');
          if (choice === 'Show Log') channel.show(true);
          return undefined;
        }
        return features.runCommand(id, args);
      }),
    );
  }
  // Metrics panels open before a reload come back; their page state says which runs they showed.
  ctx.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(metricsViewType, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        const features = await ready.catch(() => undefined);
        if (features === undefined) panel.dispose();
        else features.metrics.restore(panel, state);
      },
    }),
  );
  return { ready };
}

/** Stops active simulations and waits, at most about 10 s, until their containers are removed. */
export function deactivate(): Promise<void> | undefined {
  const stopping = shutdown?.();
  shutdown = undefined;
  return stopping;
}

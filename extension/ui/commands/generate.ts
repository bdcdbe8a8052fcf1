import * as vscode from 'vscode';
import { FlError } from '../../core/errors';
import type { GenerationPreparation } from '../../core/generate/generation-preparation';
import { commandIds } from '../command-ids';
import type { CommandSpec } from '../commands';
import { pickRepo } from '../pick-repo';
import { withCancellableProgress } from '../progress';

/** The io side of generation, injected by editor-root.ts (ui/ never imports io/). */
export interface GenerateBackend {
  prepare(root: string, options: { readonly force: boolean; readonly overwriteEdited: boolean; readonly signal: AbortSignal }): Promise<GenerationPreparation>;
  apply(prepared: Extract<GenerationPreparation, { kind: 'planned' }>): Promise<void>;
}

/** Options for programmatic use (tests, other extensions); the palette asks instead. */
export interface GenerateOptions {
  /** What to do with generated files edited since: ask (default), keep them, or overwrite them. */
  readonly onEdited?: 'ask' | 'keep' | 'overwrite';
  /** Generate even when lint reports errors (the palette asks). */
  readonly force?: boolean;
}

/** Shows generated content read-only, for the diff against an edited file. */
export class GeneratedContentProvider implements vscode.TextDocumentContentProvider {
  static readonly scheme = 'flops-generated';
  private readonly contents = new Map<string, string>();

  set(path: string, content: string): vscode.Uri {
    this.contents.set(path, content);
    return vscode.Uri.from({ scheme: GeneratedContentProvider.scheme, path });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.path) ?? '';
  }
}

type Planned = Extract<GenerationPreparation, { kind: 'planned' }>;

/**
 * "FLOps: Generate FL Wrappers": lints the repo, renders the Flower app into .flops/, and writes it.
 * Generated files the user edited are never overwritten silently: the command lists them, offers a diff
 * against the fresh content, and writes them only when the user chooses to.
 */
export function generateCommand(deps: {
  readonly backend: GenerateBackend;
  readonly roots: () => vscode.Uri[];
  readonly content: GeneratedContentProvider;
}): CommandSpec {
  const run = async (root: vscode.Uri, options: GenerateOptions, force: boolean, overwriteEdited: boolean): Promise<GenerationPreparation> =>
    withCancellableProgress('FLOps: Generating FL wrappers', async (signal, report) => {
      report('linting and rendering…');
      return deps.backend.prepare(root.fsPath, { force: force || options.force === true, overwriteEdited, signal });
    });

  const showDiffs = async (prepared: Planned, edited: readonly string[]): Promise<void> => {
    for (const file of edited) {
      const fresh = prepared.files.find((f) => f.path === file);
      if (fresh === undefined) continue;
      const right = deps.content.set(`/${file}`, fresh.content);
      const left = vscode.Uri.joinPath(vscode.Uri.file(prepared.outDir), file);
      await vscode.commands.executeCommand('vscode.diff', left, right, `${file}: your edit ↔ freshly generated`);
    }
  };

  return {
    id: commandIds.generate,
    run: async (given?: unknown, rawOptions?: unknown) => {
      const options = (rawOptions ?? {}) as GenerateOptions;
      const root = given instanceof vscode.Uri ? given : await pickRepo(deps.roots(), 'Generate the FL wrappers for which repository?');
      if (root === undefined) return undefined;
      let prepared = await run(root, options, false, options.onEdited === 'overwrite');
      if (prepared.kind === 'lintErrors') {
        const choice = await vscode.window.showErrorMessage(
          `FLOps: lint reports ${prepared.errors.length} error${prepared.errors.length === 1 ? '' : 's'}; the generated app would fail the same way. Fix ${prepared.errors.length === 1 ? 'it' : 'them'} first?`,
          'Show Problems',
          'Generate Anyway',
        );
        if (choice === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
        if (choice !== 'Generate Anyway') return prepared;
        prepared = await run(root, options, true, options.onEdited === 'overwrite');
      }
      if (prepared.kind === 'lintErrors') return prepared;
      if (prepared.kind === 'invalid') throw new FlError('invalidConfig', `FLOps: ${prepared.message}`);
      const edited = prepared.plan.files.filter((f) => f.action === 'keep-edited').map((f) => f.path);
      let onEdited = options.onEdited ?? 'ask';
      while (edited.length > 0 && onEdited === 'ask') {
        const choice = await vscode.window.showWarningMessage(
          `FLOps: ${edited.length} generated file${edited.length === 1 ? ' was' : 's were'} edited since: ${edited.slice(0, 4).join(', ')}${edited.length > 4 ? ', …' : ''}. Keep your edits or overwrite them?`,
          { modal: true },
          'Show Diff',
          'Keep Mine',
          'Overwrite',
        );
        if (choice === undefined) return undefined;
        if (choice === 'Show Diff') await showDiffs(prepared, edited);
        else onEdited = choice === 'Overwrite' ? 'overwrite' : 'keep';
      }
      if (onEdited === 'overwrite' && edited.length > 0) {
        prepared = await run(root, options, true, true);
        if (prepared.kind !== 'planned') throw new FlError('invalidConfig', 'FLOps: the repository changed while generating; run the command again.');
      }
      await deps.backend.apply(prepared);
      const count = (a: string): number => prepared.kind === 'planned' ? prepared.plan.files.filter((f) => f.action === a).length : 0;
      const written = count('create') + count('update') + count('overwrite-edited');
      const kept = count('keep-edited') + count('keep-stale');
      void vscode.window.showInformationMessage(
        written === 0 && count('delete') === 0
          ? `FLOps: ${vscode.workspace.asRelativePath(prepared.outDir)} is up to date${kept > 0 ? ` (${kept} edited file${kept === 1 ? '' : 's'} kept)` : ''}.`
          : `FLOps: generated ${written} file${written === 1 ? '' : 's'} in ${vscode.workspace.asRelativePath(prepared.outDir)}${kept > 0 ? `; kept ${kept} edited` : ''}.`,
      );
      return prepared;
    },
  };
}

import * as vscode from 'vscode';
import { FlError } from '../../core/errors';
import { describeStep, type CheckStep, type LearnerCheckOutcome } from '../../core/simulate/learner-check';
import type { Logger } from '../../core/ports';
import { commandIds } from '../command-ids';
import type { CommandSpec } from '../commands';
import { pickRepo } from '../pick-repo';
import { withCancellableProgress } from '../progress';

/** The io side of the check, injected by editor-root.ts (ui/ never imports io/). */
export interface CheckBackend {
  check(root: string, options: { readonly python: string; readonly timeoutSeconds: number; readonly force: boolean; readonly signal: AbortSignal; readonly onStep: (step: CheckStep) => void }): Promise<LearnerCheckOutcome>;
}

/**
 * "FLOps: Check Learner Locally": the learner path and the aggregator's initialisation in the configured
 * Python (`flops.check.python`), in seconds. An exception becomes an error diagnostic at the user's
 * file and line (collection "flops-check", cleared by the next check), with the traceback in the log.
 */
export function checkLearnerCommand(deps: {
  readonly backend: CheckBackend;
  readonly roots: () => vscode.Uri[];
  readonly python: () => string;
  readonly logger: Logger;
  readonly showLog: () => void;
  readonly diagnostics: vscode.DiagnosticCollection;
}): CommandSpec {
  return {
    id: commandIds.checkLearner,
    run: async (given?: unknown, rawOptions?: unknown) => {
      const root = given instanceof vscode.Uri ? given : await pickRepo(deps.roots(), 'Check the learner of which repository?');
      if (root === undefined) return undefined;
      const options = (typeof rawOptions === 'object' && rawOptions !== null ? rawOptions : {}) as { force?: unknown; timeoutSeconds?: unknown };
      const timeoutSeconds = typeof options.timeoutSeconds === 'number' && options.timeoutSeconds > 0 ? options.timeoutSeconds : 300;
      const python = deps.python();
      deps.diagnostics.clear();
      deps.logger.info(`[check] ${root.fsPath} in ${python}`);
      const outcome = await withCancellableProgress('FLOps: Checking the learner locally', (signal, report) => {
        report(`in ${python}…`);
        return deps.backend.check(root.fsPath, {
          python,
          timeoutSeconds,
          force: options.force === true,
          signal,
          onStep: (step) => {
            deps.logger.info(`[check] ${describeStep(step)}`);
            report(step.ok ? `${step.step} passed` : `${step.step} failed`);
          },
        });
      });
      switch (outcome.kind) {
        case 'lintErrors':
          throw new FlError('invalidInput', `FLOps: lint reports ${outcome.errors.length} error${outcome.errors.length === 1 ? '' : 's'} in ${vscode.workspace.asRelativePath(root, true)}; fix them first (see the Problems panel).`);
        case 'invalid':
          throw new FlError('invalidInput', `FLOps: ${outcome.message}`);
        case 'broken':
          throw new FlError('invalidInput', `FLOps: the learner check ended without a result. ${outcome.message}`);
        case 'passed':
          void vscode.window.showInformationMessage(`FLOps: the learner path works (${outcome.seconds.toFixed(1)} s): ModelManager, set_model_data, fit_model, evaluate_model and the aggregation ran in ${python}.`);
          return outcome;
        case 'failed': {
          const f = outcome.failure;
          deps.logger.error(`[check] ${f.step} failed:\n${f.traceback}`);
          const message = `${f.step} failed: ${f.error}: ${f.message}`;
          if (f.file !== undefined && f.line !== undefined) {
            const uri = vscode.Uri.joinPath(root, f.file);
            const line = Math.max(0, f.line - 1);
            const diagnostic = new vscode.Diagnostic(await lineRange(uri, line), `${message} (FLOps: Check Learner Locally)`, vscode.DiagnosticSeverity.Error);
            diagnostic.source = 'flops-check';
            deps.diagnostics.set(uri, [diagnostic]);
          }
          void vscode.window.showErrorMessage(`FLOps: the learner check failed in ${f.step}: ${f.error}: ${f.message}${f.file !== undefined ? ` (${f.file}:${String(f.line ?? '?')})` : ''}`, 'Show Log').then((choice) => {
            if (choice === 'Show Log') deps.showLog();
          });
          return outcome;
        }
      }
    },
  };
}

/** The line without its indentation (the whole line when the file cannot be opened). */
async function lineRange(uri: vscode.Uri, line: number): Promise<vscode.Range> {
  try {
    const text = (await vscode.workspace.openTextDocument(uri)).lineAt(line);
    return new vscode.Range(line, text.firstNonWhitespaceCharacterIndex, line, text.text.length);
  } catch {
    return new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER);
  }
}

import * as vscode from 'vscode';
import type { Finding } from '../../core/findings/finding';
import type { RuleMeta } from '../../core/lint/rule';
import { commandIds } from '../command-ids';
import type { CommandSpec } from '../commands';
import type { LintController } from '../lint-controller';
import { withCancellableProgress } from '../progress';

/** "FLOps: Lint Repository": lints every ML repo of the workspace again and summarises. */
export function lintCommand(controller: LintController): CommandSpec {
  return {
    id: commandIds.lintRun,
    run: async () => {
      const results = await withCancellableProgress('FLOps: Linting', async (signal, report) => {
        report('finding ML repositories…');
        return controller.refresh(signal);
      });
      const all: Finding[] = results.flat();
      const repos = controller.roots.length;
      if (repos === 0) {
        void vscode.window.showWarningMessage('FLOps: no ML repository found. A repository is a folder with model_manager.py or flops.json.');
        return results;
      }
      const errors = all.filter((f) => f.severity === 'error').length;
      const warnings = all.filter((f) => f.severity === 'warning').length;
      const summary = `FLOps: ${repos} repositor${repos === 1 ? 'y' : 'ies'} linted: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`;
      if (errors + warnings > 0) {
        void vscode.commands.executeCommand('workbench.actions.view.problems');
        void vscode.window.showWarningMessage(summary);
      } else void vscode.window.showInformationMessage(summary);
      return results;
    },
  };
}

/** "FLOps: Show Lint Rule Documentation": opens the README at the rule (asks which rule without an argument). */
export function showRuleDocsCommand(rules: readonly RuleMeta[], docUri: (ruleId: string) => vscode.Uri): CommandSpec {
  return {
    id: commandIds.showRuleDocs,
    run: async (ruleId?: unknown) => {
      let id = typeof ruleId === 'string' ? ruleId : undefined;
      if (id === undefined) {
        const pick = await vscode.window.showQuickPick(
          rules.map((r) => ({ label: r.id, detail: r.title })),
          { placeHolder: 'Which lint rule?' },
        );
        id = pick?.label;
      }
      if (id === undefined) return;
      await vscode.commands.executeCommand('markdown.showPreview', docUri(id));
    },
  };
}

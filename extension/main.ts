import * as vscode from 'vscode';
import { LintSession } from './core/lint/lint-session';
import { allRules } from './core/lint/rules/all-rules';
import { ruleAnchor } from './core/lint/rules-markdown';
import { SimpleGitInspector } from './io/git-inspector';
import { PythonPool } from './io/python-pool';
import { FsRepoReader } from './io/repo-reader';
import { FlopsCodeActions } from './ui/code-actions';
import { registerCommands } from './ui/commands';
import { lintCommand, showRuleDocsCommand } from './ui/commands/lint';
import { LintController } from './ui/lint-controller';
import { createLogger } from './ui/log';
import { RuleHover } from './ui/rule-hover';

/** The public surface of the extension, for tests and other extensions. */
export interface FlopsApi {
  readonly lint: LintController;
}

export function activate(ctx: vscode.ExtensionContext): FlopsApi {
  const channel = vscode.window.createOutputChannel('FLOps', { log: true });
  ctx.subscriptions.push(channel);
  const logger = createLogger(channel);
  const wasmDir = vscode.Uri.joinPath(ctx.extensionUri, 'dist').fsPath;
  const pool = new PythonPool({ wasmDir });
  ctx.subscriptions.push({ dispose: () => pool.dispose() });

  const readme = vscode.Uri.joinPath(ctx.extensionUri, 'README.md');
  const ruleDocUri = (id: string): vscode.Uri => readme.with({ fragment: ruleAnchor(id) });
  const lint = new LintController({
    logger,
    createSession: (root) => new LintSession({ reader: new FsRepoReader(root), analyzer: pool, git: new SimpleGitInspector(root), logger }),
    ruleDocUri,
  });
  ctx.subscriptions.push(lint);

  const rootOf = (uri: vscode.Uri): vscode.Uri | undefined =>
    lint.roots.filter((r) => uri.path.startsWith(`${r.path}/`)).sort((a, b) => b.path.length - a.path.length)[0];
  const selector: vscode.DocumentSelector = [{ scheme: 'file', pattern: '**/*.{py,yaml,yml,json}' }];
  ctx.subscriptions.push(
    vscode.languages.registerCodeActionsProvider(selector, new FlopsCodeActions((u, d) => lint.fixesFor(u, d), rootOf), {
      providedCodeActionKinds: FlopsCodeActions.kinds,
    }),
    vscode.languages.registerHoverProvider(selector, new RuleHover(lint.diagnostics, new Map(allRules.map((r) => [r.meta.id, r.meta])))),
  );

  registerCommands(ctx, logger, () => channel.show(true), [
    lintCommand(lint),
    showRuleDocsCommand(
      allRules.map((r) => r.meta),
      ruleDocUri,
    ),
  ]);

  // Activation stays cheap: the first lint runs after activate returns. VS Code shows nothing when
  // background work fails, so failures are logged and offered through the log.
  void lint.refresh().catch((error: unknown) => logger.error(error instanceof Error ? error : new Error(String(error))));
  logger.info(`[main] activated; parser at ${wasmDir}`);
  return { lint };
}

export function deactivate(): void {}

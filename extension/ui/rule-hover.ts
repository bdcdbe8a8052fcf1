import * as vscode from 'vscode';
import type { RuleMeta } from '../core/lint/rule';

/**
 * Adds the rule's reason, its fix and a link to its documentation to the hover of a flops diagnostic;
 * VS Code already shows the finding's message itself.
 */
export class RuleHover implements vscode.HoverProvider {
  constructor(
    private readonly diagnostics: vscode.DiagnosticCollection,
    private readonly rules: ReadonlyMap<string, RuleMeta>,
  ) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const hits = (this.diagnostics.get(document.uri) ?? []).filter((d) => d.range.contains(position) || (d.range.isEmpty && d.range.start.line === position.line));
    if (hits.length === 0) return undefined;
    const md = new vscode.MarkdownString();
    md.isTrusted = { enabledCommands: ['flops.lint.showRuleDocs'] };
    const seen = new Set<string>();
    for (const d of hits) {
      const id = typeof d.code === 'object' ? String(d.code.value) : String(d.code);
      const rule = this.rules.get(id);
      if (rule === undefined || seen.has(id)) continue;
      seen.add(id);
      const args = encodeURIComponent(JSON.stringify([id]));
      md.appendMarkdown(`**${id}** — ${escape(rule.title)}\n\n*Why:* ${escape(rule.why)}\n\n*Fix:* ${escape(rule.fix)}\n\n[Rule documentation](command:flops.lint.showRuleDocs?${args})\n\n`);
    }
    return seen.size > 0 ? new vscode.Hover(md) : undefined;
  }
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]<>#|]/g, (c) => `\\${c}`);
}

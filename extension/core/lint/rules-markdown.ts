import type { RuleMeta } from './rule';

/** Heading anchor of a rule in the README (GitHub and VS Code's markdown preview slug rules). */
export function ruleAnchor(id: string): string {
  return id.replace('/', '').toLowerCase();
}

/**
 * The rule reference as Markdown: one `####` heading per rule (its id, so `#flopsrule-name` anchors
 * work), then what it checks, why FLOps needs it and the fix. The README embeds exactly this text.
 */
export function rulesMarkdown(rules: readonly RuleMeta[]): string {
  return rules
    .map((r) => {
      const severity = r.builderOnly === true ? `${r.severity} (warning unless \`"target": "flops-addon"\`)` : r.severity;
      return `#### ${r.id}\n\n*${severity}* · needs ${r.needs.join(', ')}\n\n${r.title}\n\n- **Why:** ${r.why}\n- **Fix:** ${r.fix}\n`;
    })
    .join('\n');
}

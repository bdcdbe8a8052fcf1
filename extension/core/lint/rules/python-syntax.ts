import type { Rule, RuleReport } from '../rule';

export const pythonSyntax: Rule = {
  meta: {
    id: 'flops/python-syntax',
    severity: 'error',
    needs: ['py'],
    title: 'Every Python file parses.',
    why: 'A syntax error in a module the actors import crashes them at start-up, after the whole image build; other rules can only check what parses.',
    fix: 'Fix the syntax at the reported position.',
  },
  check(ctx) {
    const reports: RuleReport[] = [];
    const used = new Set(ctx.userModules);
    for (const [file, module] of ctx.modules) {
      const first = module.syntaxErrors[0];
      if (first === undefined) continue;
      const more = module.syntaxErrors.length - 1;
      reports.push({
        file,
        range: first.range,
        // Files FLOps never imports still get a finding, but a warning: they cannot break a run.
        severity: used.has(file) || !file.includes('/') ? 'error' : 'warning',
        message: `Python syntax error: ${first.message}${more > 0 ? ` (and ${more} more in this file)` : ''}.${used.has(file) ? ' FLOps imports this module, so the actors would crash at start-up.' : ''}`,
      });
    }
    return reports;
  },
};

import { wholeFirstLine } from '../../findings/finding';
import type { Rule, RuleReport } from '../rule';

const required = new Set(['model_manager.py', 'data_manager.py', 'conda.yaml', 'flops.json']);

export const unreadableFile: Rule = {
  meta: {
    id: 'flops/unreadable-file',
    severity: 'warning',
    needs: ['tree'],
    title: 'Every file the linter must read can be read as text (and every folder listed).',
    why: 'A file that cannot be read cannot be checked; a binary or wrongly encoded module also fails to import in the actors.',
    fix: 'Save the file as UTF-8 (or declare its coding), shrink it, or fix its permissions.',
  },
  check(ctx) {
    const reports: RuleReport[] = [];
    const used = new Set(ctx.userModules);
    for (const [file, reason] of ctx.unreadable) {
      reports.push({
        file,
        range: wholeFirstLine,
        severity: required.has(file) || used.has(file) ? 'error' : 'warning',
        message: `${file} was not linted: ${reason}.${required.has(file) ? ' FLOps needs this file.' : ''}`,
      });
    }
    for (const problem of ctx.listing.problems) {
      if (problem.kind === 'outsideLink') {
        // Never read; FLOps' git clone would not have it either: an error for the files FLOps needs.
        reports.push({ file: problem.path, range: wholeFirstLine, severity: required.has(problem.path) ? 'error' : 'warning', message: `${problem.path} is ${problem.message}.` });
        continue;
      }
      reports.push({ file: problem.path === '' ? '.' : problem.path, range: wholeFirstLine, severity: 'info', message: `${problem.path === '' ? 'The repository root' : problem.path}: ${problem.message}.` });
    }
    return reports;
  },
};

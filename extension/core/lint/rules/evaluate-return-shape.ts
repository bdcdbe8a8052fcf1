import type { PyExpr } from '../../python/python-model';
import type { Rule, RuleReport } from '../rule';

/** Expressions that are certainly not an int count. */
function clearlyNotInt(e: PyExpr): boolean {
  if (e.kind === 'float' || e.kind === 'string' || e.kind === 'none' || e.kind === 'list' || e.kind === 'dict' || e.kind === 'tuple') return true;
  if (e.kind === 'call') return /^(float|str|np\.float\d*|numpy\.float\d*|torch\.tensor|tf\.constant)$/.test(e.callee ?? '');
  return false;
}

export const evaluateReturnShape: Rule = {
  meta: {
    id: 'flops/evaluate-return-shape',
    severity: 'error',
    needs: ['py'],
    title: 'Every return of evaluate_model yields (loss, accuracy, number_of_examples).',
    why: 'The learner unpacks three values ("not enough values to unpack (expected 3, got 2)"), and Flower then requires a float loss and an int count.',
    fix: 'Return float(loss), float(accuracy), int(n).',
  },
  check(ctx) {
    const mm = ctx.modelManager;
    const fn = mm?.methods.get('evaluate_model');
    if (mm === undefined || fn === undefined || !mm.cls.methods.includes(fn)) return [];
    const reports: RuleReport[] = [];
    if (fn.returns.length === 0 && !fn.calls.some((c) => c.callee === 'NotImplementedError' || c.callee === 'super().evaluate_model')) {
      reports.push({ file: mm.file, range: fn.nameRange, message: 'evaluate_model() returns nothing, but FLOps unpacks (loss, accuracy, number_of_examples) from it. Return float(loss), float(accuracy), int(n).' });
    }
    for (const ret of fn.returns) {
      const v = ret.value;
      if (v === undefined || v.kind === 'none') {
        reports.push({ file: mm.file, range: ret.range, message: 'evaluate_model() returns None, but FLOps unpacks (loss, accuracy, number_of_examples) from it. Return float(loss), float(accuracy), int(n).' });
      } else if (v.kind === 'tuple' || v.kind === 'list') {
        const n = v.elements?.length ?? 0;
        if (n !== 3) {
          reports.push({ file: mm.file, range: ret.range, message: `evaluate_model() returns ${n} value${n === 1 ? '' : 's'}, but FLOps unpacks exactly three: (loss, accuracy, number_of_examples). Return float(loss), float(accuracy), int(n).` });
        } else {
          const count = v.elements?.[2];
          if (count !== undefined && clearlyNotInt(count)) {
            reports.push({ file: mm.file, range: count.range, message: `The third value evaluate_model() returns (${count.text}) is the number of test examples and must be an int; Flower rejects other types. Return int(n).` });
          }
        }
      } else if (v.kind === 'dict' || v.kind === 'int' || v.kind === 'float' || v.kind === 'string' || v.kind === 'bool') {
        reports.push({ file: mm.file, range: ret.range, message: `evaluate_model() returns a single ${v.kind} value, but FLOps unpacks (loss, accuracy, number_of_examples). Return float(loss), float(accuracy), int(n).` });
      }
    }
    return reports;
  },
};

import type { PyExpr } from '../../python/python-model';
import type { Rule, RuleReport } from '../rule';

/** What `return X` in fit_model certainly is when it is not an int count, or undefined when unprovable. */
function notACount(v: PyExpr | undefined): string | undefined {
  if (v === undefined || v.kind === 'none') return 'None';
  if (v.kind === 'tuple') return 'a tuple';
  if (v.kind === 'list' || v.kind === 'comprehension') return 'a list';
  if (v.kind === 'dict') return 'a dict';
  if (v.kind === 'string') return 'a string';
  if (v.kind === 'float') return 'a float';
  if (v.kind === 'call' && /(^|\.)fit$/.test(v.callee ?? '')) return 'the result of fit() (the model or a History object)';
  if (v.kind === 'attribute' && /^self\.(model|net|clf|classifier|estimator|network)$/.test(v.text)) return 'the model object';
  return undefined;
}

export const fitReturnType: Rule = {
  meta: {
    id: 'flops/fit-return-type',
    severity: 'error',
    needs: ['py'],
    title: 'Every path of fit_model returns the number of training examples as an int.',
    why: 'FedAvg weights each update by this count, and Flower rejects a non-int count ("NumPyClient.fit did not return a tuple with 3 elements.").',
    fix: 'return int(len(self.x_train)), or the equivalent for the data loader.',
  },
  check(ctx) {
    const mm = ctx.modelManager;
    const fn = mm?.methods.get('fit_model');
    if (mm === undefined || fn === undefined || !mm.cls.methods.includes(fn)) return [];
    const reports: RuleReport[] = [];
    if (fn.returns.length === 0 && !fn.calls.some((c) => c.callee === 'NotImplementedError')) {
      reports.push({ file: mm.file, range: fn.nameRange, message: 'fit_model() returns nothing, but FLOps uses its result as the number of training examples that weights this learner. Return int(len(<training data>)).' });
    }
    for (const ret of fn.returns) {
      const what = notACount(ret.value);
      if (what !== undefined) {
        reports.push({ file: mm.file, range: ret.range, message: `fit_model() returns ${what}, but FLOps needs the number of training examples as an int (FedAvg weights each learner by it). Return int(len(<training data>)).` });
      }
    }
    return reports;
  },
};

import type { PyExpr } from '../../python/python-model';
import type { Rule, RuleReport } from '../rule';

function problemOf(v: PyExpr | undefined): string | undefined {
  if (v === undefined || v.kind === 'none') return 'None';
  if (v.kind === 'call' && /(^|\.)state_dict$/.test(v.callee ?? '')) return 'a state_dict (a dict of tensors)';
  if (v.kind === 'dict') return 'a dict';
  if (v.kind === 'tuple') return 'a tuple';
  if (v.kind === 'call' && /^(np|numpy)\.(array|asarray|concatenate|stack)$/.test(v.callee ?? '')) return 'a single array';
  if ((v.kind === 'comprehension' || v.kind === 'list') && /parameters\(\)|state_dict\(\)/.test(v.text) && !/numpy\(\)/.test(v.text)) {
    return 'tensors (not converted with .cpu().numpy())';
  }
  return undefined;
}

export const parametersReturnType: Rule = {
  meta: {
    id: 'flops/parameters-return-type',
    severity: 'warning',
    needs: ['py'],
    title: 'get_model_parameters returns a list of numpy arrays.',
    why: 'Flower requires a list in fit. Failed fits are accepted and the aggregator fast-forwards with no results, so training silently does nothing.',
    fix: 'Wrap the value with list(...) and convert tensors to numpy.',
  },
  check(ctx) {
    const mm = ctx.modelManager;
    const fn = mm?.methods.get('get_model_parameters');
    if (mm === undefined || fn === undefined || !mm.cls.methods.includes(fn)) return [];
    const reports: RuleReport[] = [];
    for (const ret of fn.returns) {
      const what = problemOf(ret.value);
      if (what !== undefined) {
        reports.push({ file: mm.file, range: ret.range, message: `get_model_parameters() returns ${what}, but Flower needs a Python list of numpy arrays; otherwise every fit fails and training silently does nothing. Return e.g. [v.cpu().numpy() for v in model.state_dict().values()].` });
      }
    }
    return reports;
  },
};

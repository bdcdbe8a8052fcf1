import { selfCallClosure } from '../lint-context';
import type { Rule, RuleReport } from '../rule';

/** scikit-learn's convention: public attributes ending in `_` exist only after fit. */
function isFittedAttribute(name: string): boolean {
  return /^[a-z][a-z0-9_]*_$/.test(name) && !name.startsWith('_');
}

export const paramsBeforeFit: Rule = {
  meta: {
    id: 'flops/params-before-fit',
    severity: 'warning',
    needs: ['py', 'config'],
    title: 'Everything get_model_parameters reads is set in __init__ (or helpers it calls), before any fit.',
    why: 'The aggregator seeds the initial parameters right after ModelManager(); an unfitted estimator raises AttributeError, the aggregator fails and the project terminates.',
    fix: 'Zero-initialise the fitted attributes (coef_, intercept_, classes_) from the feature and class counts in __init__; build torch/keras models in __init__.',
  },
  check(ctx) {
    const mm = ctx.modelManager;
    const getter = mm?.methods.get('get_model_parameters');
    if (mm === undefined || getter === undefined || mm.hasUnknownBases) return [];
    const initWrites = new Set(selfCallClosure(mm.methods, '__init__', 3).flatMap((f) => f.selfWrites));
    const isSet = (chain: string): boolean => {
      // Assigning `self.model` covers `self.model.x` unless x is a fitted attribute.
      const parts = chain.split('.');
      for (let i = parts.length; i > 0; i--) {
        if (initWrites.has(parts.slice(0, i).join('.'))) {
          return i === parts.length || !parts.slice(i).some(isFittedAttribute);
        }
      }
      return false;
    };
    const reports: RuleReport[] = [];
    const seen = new Set<string>();
    const range = mm.cls.methods.includes(getter) ? getter.nameRange : mm.cls.nameRange;
    for (const chain of getter.selfReads) {
      const parts = chain.split('.');
      // Methods called on the model (`self.model.get_weights`) are reads of `self.model`.
      const isSklearn = ctx.flavor?.value === 'sklearn';
      const fitted = parts.slice(1).find(isFittedAttribute);
      const head = parts[0] ?? chain;
      if (mm.methods.has(head) || mm.classAssigns.has(head)) continue;
      if (fitted !== undefined && (isSklearn || ctx.flavor === undefined)) {
        if (isSet(chain) || seen.has(chain)) continue;
        seen.add(chain);
        reports.push({
          file: mm.file,
          range,
          message: `get_model_parameters() reads self.${chain}, which exists only after fit, but __init__ does not set it. The aggregator asks for initial parameters right after ModelManager() and fails with AttributeError. Zero-initialise it in __init__ from the feature and class counts.`,
        });
      } else if (!initWrites.has(head) && !seen.has(head)) {
        seen.add(head);
        const setIn = [...mm.methods.values()].find((m) => m.name !== '__init__' && m.selfWrites.some((w) => w === head));
        reports.push({
          file: mm.file,
          range,
          message: `get_model_parameters() reads self.${head}, which __init__ does not set${setIn !== undefined ? ` (only ${setIn.name}() does)` : ''}. The aggregator calls it right after ModelManager(), before any data or fit. Build the model in __init__.`,
        });
      }
    }
    return reports;
  },
};

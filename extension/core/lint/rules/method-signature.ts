import type { Rule, RuleReport } from '../rule';
import { modelManagerMethods } from './method-stubs';

export const methodSignature: Rule = {
  meta: {
    id: 'flops/method-signature',
    severity: 'error',
    needs: ['py'],
    title: 'The ModelManager methods take only self (set_model_parameters also takes parameters); extra parameters have defaults.',
    why: 'FLOps calls the methods with a fixed arity: a required `epochs` gives "fit_model() missing 1 required positional argument", the learner dies silently and the aggregator waits forever.',
    fix: 'Give the extra parameters defaults; do not make the methods static, class methods or async.',
  },
  check(ctx) {
    const mm = ctx.modelManager;
    if (mm === undefined) return [];
    const reports: RuleReport[] = [];
    for (const { name } of modelManagerMethods) {
      if (name === '__init__') continue;
      const fn = mm.methods.get(name);
      if (fn === undefined) continue;
      const file = mm.cls.methods.includes(fn) ? mm.file : undefined;
      const where = file ?? mm.file;
      const range = file !== undefined ? fn.nameRange : mm.cls.nameRange;
      const bad = fn.decorators.find((d) => d === 'staticmethod' || d === 'classmethod');
      if (bad !== undefined) {
        reports.push({ file: where, range, message: `${name}() is a @${bad}, but FLOps calls it on a ModelManager instance with ${name === 'set_model_parameters' ? 'one argument' : 'no arguments'}. Make it a plain method taking self.` });
        continue;
      }
      if (fn.isAsync) {
        reports.push({ file: where, range, message: `${name}() is async, so FLOps would get a coroutine instead of a result. Make it a plain def.` });
        continue;
      }
      const positional = fn.params.filter((p) => p.kind === 'positional');
      const expected = name === 'set_model_parameters' ? 2 : 1;
      if (positional.length < expected && !fn.params.some((p) => p.kind === 'varargs')) {
        reports.push({
          file: where,
          range,
          message: `${name}() takes ${positional.length} positional parameter(s), but FLOps calls it as ${name === 'set_model_parameters' ? 'set_model_parameters(parameters)' : `${name}()`} on an instance. Use ${name}(self${expected === 2 ? ', parameters' : ''}).`,
        });
        continue;
      }
      const required = fn.params.filter((p, i) => !p.hasDefault && (p.kind === 'keywordOnly' || (p.kind === 'positional' && i >= expected)));
      if (required.length > 0) {
        reports.push({
          file: where,
          range,
          message: `${name}() requires ${required.map((p) => p.name).join(', ')}, but FLOps calls it without ${required.length === 1 ? 'that argument' : 'those arguments'} ("missing required positional argument"); the learner dies silently. Give ${required.length === 1 ? 'it a default' : 'them defaults'}.`,
        });
      }
    }
    return reports;
  },
};

import { insertAfter } from '../../findings/text-ranges';
import type { Rule } from '../rule';
import { methodStubs, modelManagerMethods } from './method-stubs';

export const modelManagerMethodsRule: Rule = {
  meta: {
    id: 'flops/model-manager-methods',
    severity: 'error',
    needs: ['py'],
    title: 'ModelManager defines all six methods FLOps calls.',
    why: 'ModelManager() raises "TypeError: Can\'t instantiate abstract class" when it subclasses the template, or an AttributeError happens mid-round when it does not; learners die without a notice.',
    fix: 'Insert the missing methods with the right signatures, and add ModelManagerTemplate as a base.',
  },
  check(ctx) {
    const mm = ctx.modelManager;
    if (mm === undefined || mm.hasUnknownBases) return [];
    const missing = modelManagerMethods
      .map((m) => m.name)
      .filter((name) => name !== '__init__' && !mm.methods.has(name) && !mm.classAssigns.has(name));
    if (missing.length === 0) return [];
    return [
      {
        file: mm.file,
        range: mm.cls.nameRange,
        message: `ModelManager lacks ${missing.map((m) => `${m}()`).join(', ')}. FLOps calls all six methods; without them learners fail mid-round without reporting why. Add the methods.`,
        fixes: [
          {
            title: `Add ${missing.length === 1 ? missing[0] : `${missing.length} missing methods`} to ModelManager`,
            edits: [{ kind: 'replace', file: mm.file, ...insertAfter(ctx.sources.get(mm.file) ?? '', mm.cls.lastLine, methodStubs(missing, mm.cls.bodyIndent)) }],
          },
        ],
      },
    ];
  },
};

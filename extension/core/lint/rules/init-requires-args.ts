import type { Rule } from '../rule';

export const initRequiresArgs: Rule = {
  meta: {
    id: 'flops/init-requires-args',
    severity: 'error',
    needs: ['py'],
    title: 'ModelManager.__init__ needs no argument besides self.',
    why: 'Both the aggregator and the learners call ModelManager() with no arguments, which raises a TypeError at start-up.',
    fix: 'Give the parameters defaults, or use module constants.',
  },
  check(ctx) {
    const mm = ctx.modelManager;
    const init = mm?.methods.get('__init__');
    if (mm === undefined || init === undefined) return [];
    const required = init.params.filter((p, i) => i > 0 && !p.hasDefault && (p.kind === 'positional' || p.kind === 'keywordOnly'));
    if (required.length === 0) return [];
    const own = mm.cls.methods.includes(init);
    return [
      {
        file: mm.file,
        range: own ? init.nameRange : mm.cls.nameRange,
        message: `ModelManager.__init__ requires ${required.map((p) => p.name).join(', ')}, but FLOps constructs ModelManager() with no arguments, which fails at start-up. Give ${required.length === 1 ? 'it a default' : 'them defaults'} or use module constants.`,
      },
    ];
  },
};

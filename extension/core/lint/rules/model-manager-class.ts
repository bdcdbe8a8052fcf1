import { rangeOf, wholeFirstLine } from '../../findings/finding';
import type { Rule } from '../rule';
import { modelManagerSkeleton } from './method-stubs';

export const modelManagerClass: Rule = {
  meta: {
    id: 'flops/model-manager-class',
    severity: 'error',
    needs: ['py'],
    title: 'model_manager.py defines or imports a top-level class ModelManager.',
    why: 'FLOps runs `from model_manager import ModelManager`. When that fails, the actor logs "An ML repository file was not found." and exits; the exit escapes failure reporting, so the project hangs.',
    fix: 'Rename the single class of the file to ModelManager, or insert a skeleton.',
  },
  check(ctx) {
    const module = ctx.modules.get('model_manager.py');
    if (module === undefined || ctx.modelManager !== undefined) return [];
    // An import of the name from a library (not resolvable in the repo) still defines it.
    const imported = module.imports.some((i) => i.kind === 'from' && i.names.some((n) => (n.alias ?? n.name) === 'ModelManager' || n.name === '*'));
    if (imported || module.assigns.includes('ModelManager')) return [];
    const only = module.classes.length === 1 ? module.classes[0] : undefined;
    if (only !== undefined) {
      return [
        {
          file: 'model_manager.py',
          range: only.nameRange,
          message: `model_manager.py defines class ${only.name}, but FLOps imports the name ModelManager. Rename the class to ModelManager.`,
          fixes: [{ title: `Rename class ${only.name} to ModelManager`, edits: [{ kind: 'replace', file: 'model_manager.py', range: only.nameRange, text: 'ModelManager' }] }],
        },
      ];
    }
    const lines = (ctx.sources.get('model_manager.py') ?? '').split('\n');
    const end = rangeOf(lines.length - 1, lines[lines.length - 1]?.length ?? 0);
    return [
      {
        file: 'model_manager.py',
        range: module.classes[0]?.nameRange ?? wholeFirstLine,
        message: `model_manager.py has no top-level class ModelManager${module.syntaxErrors.length > 0 ? ' that parses' : ''}; FLOps imports ModelManager from it. Define the class (a skeleton can be appended).`,
        fixes:
          module.syntaxErrors.length === 0
            ? [{ title: 'Append a ModelManager skeleton', edits: [{ kind: 'replace', file: 'model_manager.py', range: end, text: modelManagerSkeleton() }] }]
            : [],
      },
    ];
  },
};

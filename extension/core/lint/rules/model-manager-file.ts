import type { Rule } from '../rule';
import { folderNote, missingFileAnchor, nestedMatches, notAFile } from './anchors';
import { templateFor } from '../../generate/repo-templates';

export const modelManagerFile: Rule = {
  meta: {
    id: 'flops/model-manager-file',
    severity: 'error',
    needs: ['tree'],
    title: 'model_manager.py exists at the repository root.',
    why: 'The FLOps image builder inspects only root files and aborts with "model_manager.py not found in the cloned repository."; the project then terminates with "Builder failed".',
    fix: 'Create model_manager.py from the flavor template, or move the nested file to the root.',
  },
  check(ctx) {
    if (ctx.paths.has('model_manager.py') || notAFile(ctx, 'model_manager.py') === 'outsideLink') return [];
    const nested = [...nestedMatches(ctx, 'model_manager.py'), ...ctx.listing.entries.filter((e) => e.kind === 'file' && !e.path.includes('/') && e.path.toLowerCase() === 'model_manager.py').map((e) => e.path)];
    const anchor = missingFileAnchor(ctx, nested, ['data_manager.py', 'conda.yaml']);
    const flavor = ctx.flavor?.value === 'tensorflow' ? 'keras' : (ctx.flavor?.value ?? 'sklearn');
    const where = anchor.candidate !== undefined ? ` Found ${anchor.candidate}, but FLOps imports only root modules.` : '';
    return [
      {
        file: anchor.file,
        range: anchor.range,
        message: `model_manager.py is missing at the repository root${folderNote(ctx, 'model_manager.py')}.${where} FLOps imports ModelManager from it and the builder aborts without it. Create it from the ${flavor} template${anchor.candidate !== undefined ? ' or move the file to the root' : ''}.`,
        fixes: [
          {
            title: `Create model_manager.py from the FLOps ${flavor} template`,
            edits: [{ kind: 'create', file: 'model_manager.py', content: templateFor(flavor, 'model_manager.py') }],
          },
          ...(anchor.candidate !== undefined ? [{ title: `Move ${anchor.candidate} to the root`, edits: [{ kind: 'rename' as const, from: anchor.candidate, to: 'model_manager.py' }] }] : []),
        ],
      },
    ];
  },
};

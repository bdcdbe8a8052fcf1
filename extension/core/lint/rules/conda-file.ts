import type { Rule } from '../rule';
import { folderNote, missingFileAnchor, notAFile } from './anchors';
import { templateFor } from '../../generate/repo-templates';

const nearMisses = ['conda.yml', 'environment.yml', 'environment.yaml', 'Conda.yaml', 'conda.YAML'];

export const condaFile: Rule = {
  meta: {
    id: 'flops/conda-file',
    severity: 'error',
    needs: ['tree'],
    builderOnly: true,
    title: 'conda.yaml (exact name) exists at the repository root.',
    why: 'The FLOps image builder aborts with "conda.yaml not found in the cloned repository.". The generated runtime can also install from requirements.txt or pyproject.toml.',
    fix: 'Rename the near-miss to conda.yaml, or create one from the template (python 3.10, conda-forge, the framework, no mlflow).',
  },
  check(ctx) {
    if (ctx.paths.has('conda.yaml') || notAFile(ctx, 'conda.yaml') === 'outsideLink') return [];
    const anchor = missingFileAnchor(ctx, nearMisses, ['model_manager.py', 'data_manager.py']);
    // Our generator installs from these too, so without the add-on target a missing conda.yaml is fine.
    const hasOtherDeps = ['requirements.txt', 'pyproject.toml'].some((f) => ctx.paths.has(f));
    if (hasOtherDeps && ctx.target !== 'flops-addon' && anchor.candidate === undefined) return [];
    const flavor = ctx.flavor?.value ?? 'sklearn';
    const fixes =
      anchor.candidate !== undefined
        ? [{ title: `Rename ${anchor.candidate} to conda.yaml`, edits: [{ kind: 'rename' as const, from: anchor.candidate, to: 'conda.yaml' }] }]
        : [];
    return [
      {
        file: anchor.file,
        range: anchor.range,
        message:
          anchor.candidate !== undefined
            ? `conda.yaml is missing; FLOps reads only that exact name, not ${anchor.candidate}. Rename the file to conda.yaml.`
            : `conda.yaml is missing at the repository root${folderNote(ctx, 'conda.yaml')}. FLOps builds the images from it and aborts without it. Create one from the template.`,
        fixes: [
          ...fixes,
          {
            title: `Create conda.yaml from the FLOps ${flavor === 'tensorflow' ? 'keras' : flavor} template`,
            edits: [{ kind: 'create', file: 'conda.yaml', content: templateFor(flavor, 'conda.yaml') }],
          },
        ],
      },
    ];
  },
};

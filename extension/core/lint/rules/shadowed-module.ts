import { wholeFirstLine } from '../../findings/finding';
import type { Rule } from '../rule';
import { renameModuleEdits } from './reserved-file';

const shadowable = ['flops_utils', 'flwr', 'datasets', 'mlflow', 'grpc', 'pyarrow'];

export const shadowedModule: Rule = {
  meta: {
    id: 'flops/shadowed-module',
    severity: 'error',
    needs: ['tree'],
    title: 'No root module or package shadows a library the FL runtime imports.',
    why: 'The repo root comes first on sys.path: datasets.py breaks flops_utils.ml_repo_building_blocks and grpc.py breaks Flower, an import-time crash inside an actor with no notice.',
    fix: 'Rename the module and its imports.',
  },
  check(ctx) {
    const reports = [];
    for (const name of shadowable) {
      // A folder without __init__.py is a namespace portion and does not shadow the installed package.
      for (const [file, isPackage] of [[`${name}.py`, false], [`${name}/__init__.py`, true]] as const) {
        if (!ctx.paths.has(file)) continue;
        const target = isPackage ? `my_${name}` : `my_${name}.py`;
        reports.push({
          file,
          range: wholeFirstLine,
          message: `${file} shadows the installed "${name}" package, because the repository root comes first on sys.path; the FL runtime then crashes at import. Rename it.`,
          fixes: [{ title: `Rename to ${target} and update imports`, edits: renameModuleEdits(ctx, isPackage ? name : file, target) }],
        });
      }
    }
    return reports;
  },
};

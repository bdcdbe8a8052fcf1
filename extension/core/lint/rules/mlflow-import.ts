import type { FileEdit } from '../../findings/finding';
import { wholeLines } from '../../findings/text-ranges';
import type { Rule, RuleReport } from '../rule';

export const mlflowImport: Rule = {
  meta: {
    id: 'flops/mlflow-import',
    severity: 'error',
    needs: ['py'],
    title: 'No user module imports mlflow.',
    why: 'Learner images have no MLflow (the builder strips the "- mlflow" lines from conda.yaml). The ModuleNotFoundError surfaces as the misleading "An ML repository file was not found." and a silent exit.',
    fix: 'Delete the import and any autolog calls: the aggregator does the tracking.',
  },
  check(ctx) {
    const reports: RuleReport[] = [];
    for (const file of ctx.userModules) {
      const module = ctx.modules.get(file);
      if (module === undefined) continue;
      const mlflowImports = module.imports.filter((i) => i.level === 0 && (i.module === 'mlflow' || i.module.startsWith('mlflow.')));
      if (mlflowImports.length === 0) continue;
      const names = new Set<string>(['mlflow']);
      for (const i of mlflowImports) {
        if (i.alias !== undefined) names.add(i.alias);
        for (const n of i.names) names.add(n.alias ?? n.name);
      }
      const calls = module.callStatements.filter((c) => names.has(c.callee.split('.')[0] ?? ''));
      const deletions: FileEdit[] = [...mlflowImports.map((i) => i.range), ...calls.map((c) => c.range)]
        .sort((a, b) => b.start.line - a.start.line)
        .filter((r, k, all) => k === 0 || all[k - 1]?.start.line !== r.start.line)
        // Top-level statements are deleted with their lines; nested ones become `pass`, since they may be
        // the only statement of their block.
        .map((r) =>
          r.start.character === 0
            ? { kind: 'replace', file, range: wholeLines(ctx.sources.get(file) ?? '', r.start.line, r.end.line + 1), text: '' }
            : { kind: 'replace', file, range: r, text: 'pass' },
        );
      const condaLines = ctx.conda?.text.split('\n').filter((l) => / - mlflow/.test(` ${l}`)).length ?? 0;
      for (const imp of mlflowImports) {
        reports.push({
          file,
          range: imp.range,
          message: `${file} imports mlflow, but learner images have no MLflow${condaLines > 0 ? ' (the FLOps builder deletes the "- mlflow" lines of conda.yaml)' : ''}; the import fails and the learner exits with the misleading "An ML repository file was not found.". Remove it: the aggregator does the tracking.`,
          fixes: [{ title: `Remove the mlflow import${calls.length > 0 ? ` and ${calls.length} mlflow call${calls.length === 1 ? '' : 's'}` : ''}`, edits: deletions }],
        });
      }
    }
    return reports;
  },
};

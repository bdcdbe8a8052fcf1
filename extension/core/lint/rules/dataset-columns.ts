import { editDistance } from '../../config/edit-distance';
import type { Rule, RuleReport } from '../rule';

/** Split names of `train_test_split` results and similar, which are subscripted like columns. */
const splitNames = new Set(['train', 'test', 'validation', 'valid', 'val']);

/** Datasets have few columns, so a looser match than for typos in keys is still a useful hint (img -> image). */
function nearestColumn(key: string, columns: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.ceil(key.length / 2)) + 1;
  for (const c of columns) {
    const d = editDistance(key.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

export const datasetColumns: Rule = {
  meta: {
    id: 'flops/dataset-columns',
    severity: 'info',
    needs: ['py', 'config'],
    title: 'The column names DataManager subscripts exist in the dataset.',
    why: 'A KeyError in data preparation kills the learner with no notice, and the aggregator waits forever.',
    fix: 'Use the dataset\'s actual column names.',
  },
  check(ctx) {
    const known = ctx.datasetColumns;
    const dm = ctx.modules.get('data_manager.py');
    if (known === undefined || dm === undefined) return [];
    const columns = new Set(known.columns);
    const reports: RuleReport[] = [];
    const seen = new Set<string>();
    const functions = [...dm.functions, ...dm.classes.filter((c) => c.name === 'DataManager').flatMap((c) => c.methods)];
    for (const fn of functions) {
      for (const { key, range } of fn.stringSubscripts) {
        if (columns.has(key) || splitNames.has(key) || seen.has(key)) continue;
        seen.add(key);
        const guess = nearestColumn(key, known.columns);
        reports.push({
          file: 'data_manager.py',
          range,
          message: `"${key}" is not a column of ${known.source} (columns: ${known.columns.slice(0, 8).join(', ')}${known.columns.length > 8 ? ', …' : ''}); the learner would die with a KeyError while preparing data.${guess !== undefined ? ` Did you mean "${guess}"?` : ''}`,
          ...(guess !== undefined ? { fixes: [{ title: `Use "${guess}"`, edits: [{ kind: 'replace' as const, file: 'data_manager.py', range, text: guess }] }] } : {}),
        });
      }
    }
    return reports;
  },
};

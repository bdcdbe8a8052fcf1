import type { Rule } from '../rule';
import { valueRange } from './flavor-mismatch';

export const unsupportedFlavor: Rule = {
  meta: {
    id: 'flops/unsupported-flavor',
    severity: 'error',
    needs: ['config'],
    title: 'ml_model_flavor is not "tensorflow".',
    why: 'The FLOps API accepts it, but the aggregator exits with "Provided MLModelFlavor is not supported yet.".',
    fix: 'Use "keras" for tf.keras models.',
  },
  check(ctx) {
    if (ctx.config?.ml_model_flavor !== 'tensorflow' || ctx.project === undefined) return [];
    const range = ctx.project.locate(['ml_model_flavor']);
    return [
      {
        file: ctx.project.path,
        range,
        message: 'ml_model_flavor "tensorflow" is accepted by the FLOps API but not supported: the aggregator exits with "Provided MLModelFlavor is not supported yet.". Use "keras" for tf.keras models.',
        fixes: [{ title: 'Use "keras"', edits: [{ kind: 'replace', file: ctx.project.path, range: valueRange(ctx.project.text, range), text: '"keras"' }] }],
      },
    ];
  },
};

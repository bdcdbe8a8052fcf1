import { selfCallClosure } from '../lint-context';
import type { Rule, RuleReport } from '../rule';

/**
 * Callees that load data, matched on the last dotted segment or the whole callee. Kept as data so the
 * list is easy to extend; anything not listed is assumed not to load data (rules report only proofs).
 */
const loaderNames = new Set([
  'set_model_data',
  'DataManager',
  'load_dataset',
  'open',
  'read_csv',
  'read_parquet',
  'read_json',
  'read_feather',
  'read_pickle',
  'loadtxt',
  'genfromtxt',
  'fetch_openml',
  'fetch_mldata',
  'image_dataset_from_directory',
  'from_pretrained',
]);
const loaderCallees = new Set(['np.load', 'numpy.load', 'torch.load', 'pickle.load', 'joblib.load', 'datasets.load_dataset', 'keras.datasets.mnist.load_data', 'tf.keras.datasets.mnist.load_data']);
/** `torchvision.datasets.CIFAR10(...)`, `keras.datasets.cifar10.load_data()`. */
const loaderPrefixes = ['torchvision.datasets.', 'datasets.', 'tf.keras.datasets.', 'keras.datasets.', 'tfds.'];

function isLoader(callee: string): boolean {
  const last = callee.split('.').pop() ?? callee;
  return loaderNames.has(last) || loaderCallees.has(callee) || loaderPrefixes.some((p) => callee.startsWith(p) && callee !== p) || last === 'load_data';
}

export const initLoadsData: Rule = {
  meta: {
    id: 'flops/init-loads-data',
    severity: 'error',
    needs: ['py'],
    title: 'ModelManager.__init__ (and the self methods it calls) loads no data.',
    why: 'The aggregator builds the model with no data and no data server; loading data in __init__ crashes or exits the aggregator, and exits skip failure reporting.',
    fix: 'Remove the call: learners call set_model_data() themselves.',
  },
  check(ctx) {
    const mm = ctx.modelManager;
    if (mm === undefined || !mm.methods.has('__init__')) return [];
    const reports: RuleReport[] = [];
    for (const fn of selfCallClosure(mm.methods, '__init__', 3)) {
      const own = mm.cls.methods.includes(fn);
      for (const call of fn.calls) {
        if (!isLoader(call.callee)) continue;
        const via = fn.name === '__init__' ? '' : ` (in ${fn.name}(), which __init__ calls)`;
        reports.push({
          file: mm.file,
          range: own ? call.range : mm.cls.nameRange,
          message: `ModelManager.__init__ loads data: ${call.callee}()${via}. The aggregator also constructs ModelManager and has no data, so it would crash. Load data in set_model_data(), which only learners call.`,
        });
      }
      // `self.set_model_data()` is a self call, not in `calls` under that name alone.
      if (fn.selfCalls.includes('set_model_data') && !fn.calls.some((c) => c.callee === 'self.set_model_data')) {
        reports.push({ file: mm.file, range: own ? fn.nameRange : mm.cls.nameRange, message: 'ModelManager.__init__ calls set_model_data(); learners call it themselves, and the aggregator has no data. Remove the call.' });
      }
    }
    return reports;
  },
};

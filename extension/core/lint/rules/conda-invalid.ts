import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { wholeFirstLine } from '../../findings/finding';
import { yamlRange } from '../../config/yaml-input';
import type { Rule, RuleReport } from '../rule';
import { duplicateYamlKeys, lastValueOf } from '../../config/conda-spec';

export const condaInvalid: Rule = {
  meta: {
    id: 'flops/conda-invalid',
    severity: 'error',
    needs: ['yaml'],
    title: 'conda.yaml parses; dependencies is a list of strings plus at most one {pip: [...]}, channels a list of strings.',
    why: 'The base image build fails after minutes with "Image build for \'<img>\' completed with rc != 0".',
    fix: 'Fix the YAML at the reported position, or regenerate the file.',
  },
  check(ctx) {
    const input = ctx.conda;
    if (input === undefined) return [];
    const file = input.path;
    const reports: RuleReport[] = [];
    for (const error of input.doc.errors) {
      // The yaml library reports its own stack overflow on absurd nesting as an error: say what it means.
      const reason = /call stack/i.test(error.message) ? 'it nests too deeply to be read (no environment file nests more than a few levels)' : (error.message.split('\n')[0] ?? error.code);
      reports.push({ file, range: yamlRange(input, error.pos[0], error.pos[1]), message: `conda.yaml is not valid YAML: ${reason}. The FLOps image build would fail after minutes.` });
    }
    if (reports.length > 0) return reports;
    const root = input.doc.contents;
    if (!isMap(root)) {
      return [{ file, range: wholeFirstLine, message: 'conda.yaml must be a mapping with "channels" and "dependencies"; the FLOps image build would fail after minutes.' }];
    }
    const where = (node: Node | undefined | null) => (node?.range ? yamlRange(input, node.range[0], node.range[1]) : wholeFirstLine);
    for (const duplicate of duplicateYamlKeys(root)) {
      reports.push({ file, range: where(duplicate.node), message: `Key "${duplicate.key}" appears twice in this mapping of conda.yaml; conda reads the last one (PyYAML keeps the last), so the earlier one is ignored. Merge them into one.` });
    }
    const channels = lastValueOf(root, 'channels');
    if (channels !== undefined && channels !== null && !(isSeq(channels) && channels.items.every((i) => isScalar(i) && typeof i.value === 'string'))) {
      reports.push({ file, range: where(channels), message: 'conda.yaml "channels" must be a list of channel names (strings).' });
    }
    const deps = lastValueOf(root, 'dependencies');
    if (deps === undefined || deps === null) {
      reports.push({ file, range: wholeFirstLine, message: 'conda.yaml has no "dependencies" list; the image would lack your packages. Add the framework and its dependencies.' });
    } else if (!isSeq(deps)) {
      reports.push({ file, range: where(deps), message: 'conda.yaml "dependencies" must be a list.' });
    } else {
      let pipBlocks = 0;
      for (const item of deps.items as Node[]) {
        if (isScalar(item) && (typeof item.value === 'string' || typeof item.value === 'number')) continue;
        if (isMap(item) && item.items.length === 1 && isScalar(item.items[0]?.key) && item.items[0]?.key.value === 'pip') {
          pipBlocks++;
          const pip = item.items[0]?.value as Node | null | undefined;
          if (!isSeq(pip) || !pip.items.every((p) => isScalar(p) && typeof p.value === 'string')) {
            reports.push({ file, range: where(pip ?? item), message: 'The "pip:" entry of conda.yaml must be a list of requirement strings.' });
          }
          if (pipBlocks === 2) reports.push({ file, range: where(item), message: 'conda.yaml has more than one "pip:" entry; merge them into one.' });
          continue;
        }
        reports.push({ file, range: where(item), message: 'Each conda.yaml dependency must be a string such as "numpy=1.26" or a single {pip: [...]} entry.' });
      }
    }
    return reports;
  },
};

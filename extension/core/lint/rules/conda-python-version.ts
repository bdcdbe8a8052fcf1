import type { Rule } from '../rule';
import { compareVersions, condaDependencies } from '../../config/conda-spec';
import { versionInterval } from '../../config/version-interval';

export const condaPythonVersion: Rule = {
  meta: {
    id: 'flops/conda-python-version',
    severity: 'error',
    needs: ['yaml'],
    title: 'The python pin in conda.yaml admits no version below 3.10.',
    why: 'The pin replaces the image interpreter, and flops_utils (Python ^3.10, uses `match`) then fails to install or import.',
    fix: 'Set python=3.10.14.',
  },
  check(ctx) {
    if (ctx.conda === undefined) return [];
    const python = condaDependencies(ctx.conda).find((d) => d.source === 'conda' && d.name === 'python');
    if (python === undefined || python.constraint === '') return [];
    const allowed = versionInterval(python.constraint, 'conda');
    if (allowed === undefined) return [];
    const tooLow =
      (allowed.lo === undefined && allowed.hi !== undefined) ||
      (allowed.lo !== undefined && compareVersions(allowed.lo.slice(0, 2), [3, 10]) < 0) ||
      (allowed.hi !== undefined && compareVersions(allowed.hi, [3, 10]) < 0);
    if (!tooLow) return [];
    return [
      {
        file: ctx.conda.path,
        range: python.range,
        message: `conda.yaml pins "${python.spec}", which allows Python below 3.10. The pin replaces the image's interpreter, and flops_utils needs Python 3.10 or newer. Use python=3.10.14.`,
        fixes: [{ title: 'Pin python=3.10.14', edits: [{ kind: 'replace', file: ctx.conda.path, range: python.range, text: 'python=3.10.14' }] }],
      },
    ];
  },
};

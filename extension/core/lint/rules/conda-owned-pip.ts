import { rangeOf, type FileEdit } from '../../findings/finding';
import { wholeLines } from '../../findings/text-ranges';
import type { LintContext } from '../lint-context';
import type { Rule, RuleReport } from '../rule';
import { condaDependencies, type CondaDependency } from '../../config/conda-spec';

/** Packages in conda's own dependency closure: pip must not replace them (flops-contract.md §2.3). */
export const condaOwnedPackages = [
  'packaging',
  'setuptools',
  'pip',
  'requests',
  'urllib3',
  'certifi',
  'idna',
  'charset-normalizer',
  'ruamel.yaml',
  'ruamel-yaml',
  'tqdm',
  'pluggy',
  'platformdirs',
  'zstandard',
  'cryptography',
  'pycosat',
  'conda-package-handling',
  'archspec',
  'boltons',
  'distro',
  'jsonpatch',
  'truststore',
];

/** Moves a pip entry to the conda list: delete its line, insert `- name=version` before the pip block. */
function moveEdits(dep: CondaDependency, conda: NonNullable<LintContext['conda']>, pipCount: number): FileEdit[] {
  const lines = conda.text.split('\n');
  const pipLine = lines.findIndex((l) => /^\s*-\s*pip\s*:/.test(l));
  if (pipLine < 0) return [];
  const indent = /^(\s*)-/.exec(lines[pipLine] ?? '')?.[1] ?? '';
  const condaSpec = dep.spec.replace(/\s+/g, '').replace(/^([^=<>!~]+)==/, '$1=');
  // When this was the only pip entry, an empty `- pip:` would be invalid: replace that line instead.
  const pipLineEnd = pipCount === 1 ? pipLine + 1 : pipLine;
  return [
    { kind: 'replace', file: conda.path, range: wholeLines(conda.text, dep.range.start.line, dep.range.start.line + 1), text: '' },
    { kind: 'replace', file: conda.path, range: rangeOf(pipLine, 0, pipLineEnd, 0), text: `${indent}- ${condaSpec}\n` },
  ];
}

export const condaOwnedPip: Rule = {
  meta: {
    id: 'flops/conda-owned-pip',
    severity: 'warning',
    needs: ['yaml'],
    builderOnly: true,
    title: "No pip: entry in conda.yaml names a package of conda's own dependency closure.",
    why: 'The aggregator build fails with "RemoveError: \'packaging\' is a dependency of conda and cannot be removed".',
    fix: 'Move the entry to the conda dependencies list.',
  },
  check(ctx) {
    const conda = ctx.conda;
    if (conda === undefined) return [];
    const reports: RuleReport[] = [];
    const deps = condaDependencies(conda);
    const pipCount = deps.filter((d) => d.source === 'pip').length;
    for (const dep of deps) {
      if (dep.source !== 'pip' || !condaOwnedPackages.includes(dep.name)) continue;
      reports.push({
        file: conda.path,
        range: dep.range,
        message: `"${dep.spec}" is installed with pip, but ${dep.name} belongs to conda itself; the FLOps aggregator build then fails with "RemoveError: '${dep.name}' is a dependency of conda and cannot be removed". Move it to the conda dependencies.`,
        fixes: [{ title: `Move ${dep.name} out of pip: into the conda dependencies`, edits: moveEdits(dep, conda, pipCount) }],
      });
    }
    return reports;
  },
};

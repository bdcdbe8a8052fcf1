import type { FileEdit } from '../../findings/finding';
import type { LintContext } from '../lint-context';
import type { Rule } from '../rule';
import { rangeOf, wholeFirstLine } from '../../findings/finding';

/** Root names that collide with the FLOps build context and actor folders (flops-contract.md §2.4). */
const reservedFiles = [
  'Dockerfile',
  'devel.Dockerfile',
  'requirements.txt',
  'main.py',
  'context.py',
  'data_loading.py',
  'notification_management.py',
  'aggregator_management.py',
];
const reservedPackages = ['utils', 'strategies', 'learner_parts'];

/** Edits that rename a root module (`x.py`) or package folder (`x`) and every import of it. */
export function renameModuleEdits(ctx: LintContext, from: string, to: string): FileEdit[] {
  const oldModule = from.replace(/\.py$/, '');
  const newModule = to.replace(/\.py$/, '');
  const edits: FileEdit[] = [{ kind: 'rename', from, to }];
  for (const [file, module] of ctx.modules) {
    const source = ctx.sources.get(file);
    if (source === undefined) continue;
    const lines = source.split('\n');
    for (const imp of module.imports) {
      if (imp.level !== 0) continue;
      const root = imp.module.split('.')[0];
      if (root !== oldModule) continue;
      const line = lines[imp.range.start.line] ?? '';
      // Replace the module name where it stands in the statement's first line.
      const pattern = new RegExp(`\\b(import|from)(\\s+)${oldModule}\\b`);
      const match = pattern.exec(line);
      if (match === null) continue;
      const at = match.index + match[0].length - oldModule.length;
      edits.push({ kind: 'replace', file, range: rangeOf(imp.range.start.line, at, imp.range.start.line, at + oldModule.length), text: newModule });
    }
  }
  return edits;
}

export const reservedFile: Rule = {
  meta: {
    id: 'flops/reserved-file',
    severity: 'error',
    needs: ['tree'],
    builderOnly: true,
    title: 'No root file or package collides with the FLOps build context or actor folders.',
    why: "A user Dockerfile or requirements.txt replaces FLOps' own, which breaks the base image; colliding modules are overwritten in the actor images, so imports silently resolve to FLOps code.",
    fix: 'Rename the file (and its imports).',
  },
  check(ctx) {
    const reports = [];
    for (const name of reservedFiles) {
      if (!ctx.paths.has(name)) continue;
      const isModule = name.endsWith('.py');
      const renamed = isModule ? `user_${name}` : name === 'requirements.txt' ? 'requirements-dev.txt' : `${name}.user`;
      reports.push({
        file: name,
        range: wholeFirstLine,
        message: `${name} at the root collides with a file of the FLOps ${isModule ? 'actor images' : 'image build'}: ${isModule ? 'FLOps overwrites it, so imports of it silently load FLOps code' : "it replaces FLOps' own and breaks the base image"}. Rename it.`,
        fixes: [{ title: `Rename ${name} to ${renamed}${isModule ? ' and update imports' : ''}`, edits: isModule ? renameModuleEdits(ctx, name, renamed) : [{ kind: 'rename' as const, from: name, to: renamed }] }],
      });
    }
    for (const pkg of reservedPackages) {
      const init = `${pkg}/__init__.py`;
      if (!ctx.paths.has(init)) continue;
      reports.push({
        file: init,
        range: wholeFirstLine,
        message: `The root package ${pkg}/ collides with a package of the FLOps actor images, so imports of it silently load FLOps code. Rename the package.`,
        fixes: [{ title: `Rename ${pkg}/ to user_${pkg}/ and update imports`, edits: renameModuleEdits(ctx, pkg, `user_${pkg}`) }],
      });
    }
    return reports;
  },
};

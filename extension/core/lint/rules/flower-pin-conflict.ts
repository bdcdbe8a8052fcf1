import { requirementsOfFlower } from '../../generate/flower-requirements';
import type { Rule, RuleReport } from '../rule';
import { condaDependencies } from '../../config/conda-spec';
import { intervalsOverlap, versionInterval } from '../../config/version-interval';

export const flowerPinConflict: Rule = {
  meta: {
    id: 'flops/flower-pin-conflict',
    severity: 'error',
    needs: ['yaml', 'config'],
    title: 'No pin in conda.yaml excludes what the pinned Flower release requires (numpy, protobuf, …).',
    why: 'The generated image installs the pinned flwr next to the repository\'s pins; pip cannot satisfy both and the image build fails at the dependency step, minutes after generate succeeded.',
    fix: 'Relax the pin to the range Flower requires (the quick fix writes it), or pin an older flower.version whose requirements the pin meets.',
  },
  check(ctx) {
    if (ctx.conda === undefined || ctx.config === undefined || ctx.target !== 'generated') return [];
    const version = ctx.config.flower.version;
    const required = new Map(requirementsOfFlower(version).map((r) => [r.name, r]));
    const reports: RuleReport[] = [];
    for (const dep of condaDependencies(ctx.conda)) {
      const requirement = required.get(dep.name);
      if (requirement === undefined || dep.constraint === '') continue;
      const pinned = versionInterval(dep.constraint, dep.source === 'pip' ? 'pip' : 'conda');
      const needed = versionInterval(requirement.specifier, 'pip');
      if (pinned === undefined || needed === undefined || intervalsOverlap(pinned, needed)) continue;
      const written = dep.spec.trim();
      const name = written.slice(0, written.length - dep.constraint.length).trim() || dep.name;
      const replacement = `${name}${requirement.specifier}`;
      reports.push({
        file: ctx.conda.path,
        range: dep.range,
        message: `"${written}" cannot be installed next to flwr ${version}, which requires ${dep.name}${requirement.specifier}; the image build would fail at the dependency step. Relax the pin to "${replacement}" (check that the code still works with it), or choose a flower.version that allows the pin.`,
        fixes: [{ title: `Relax the pin to ${replacement}`, edits: [{ kind: 'replace', file: ctx.conda.path, range: dep.range, text: replacement }] }],
      });
    }
    return reports;
  },
};

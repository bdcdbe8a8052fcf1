import type { Rule, RuleReport } from '../rule';
import { compareVersions, condaDependencies, versionBounds } from '../../config/conda-spec';

/** What FLOps adds to every image (flops-contract.md §2.3), as [min inclusive, max exclusive) ranges. */
// A Map, not an object literal: package names come from the user's file ("constructor" is a name too).
const flopsPins: ReadonlyMap<string, { readonly wanted: string; readonly min: number[]; readonly below?: number[] }> = new Map([
  ['flwr', { wanted: 'flwr=1.8.0', min: [1, 8, 0], below: [1, 8, 1] }],
  ['pydantic', { wanted: 'pydantic~=2.7.1', min: [2, 7, 1], below: [2, 8] }],
  ['pillow', { wanted: 'pillow~=10.4.0', min: [10, 4, 0], below: [10, 5] }],
  ['flwr-datasets', { wanted: 'flwr_datasets==0.1.0', min: [0, 1, 0], below: [0, 1, 1] }],
  ['datasets', { wanted: 'datasets 2.x (for flwr_datasets 0.1.0)', min: [2], below: [3] }],
  // mlflow>=2.12.1 is added too, but the builder deletes every "- mlflow" line first, so no user pin of
  // it reaches the solver.
]);

export const condaPinConflict: Rule = {
  meta: {
    id: 'flops/conda-pin-conflict',
    severity: 'warning',
    needs: ['yaml'],
    builderOnly: true,
    title: 'No pin in conda.yaml conflicts with the packages FLOps adds (flwr 1.8.0, pydantic ~2.7.1, pillow ~10.4.0, flwr_datasets 0.1.0).',
    why: 'conda fails to solve in the base image build, after minutes.',
    fix: 'Relax or drop the pin.',
  },
  check(ctx) {
    if (ctx.conda === undefined) return [];
    const reports: RuleReport[] = [];
    for (const dep of condaDependencies(ctx.conda)) {
      const pin = flopsPins.get(dep.name);
      if (pin === undefined || dep.constraint === '') continue;
      const bounds = versionBounds(dep.constraint);
      if (bounds === undefined) continue;
      // The allowed range [bounds.min, bounds.max] must overlap FLOps' [pin.min, pin.below).
      const upper = bounds.exact ?? bounds.max;
      const lower = bounds.min;
      let conflict = false;
      if (upper !== undefined && compareVersions(upper.slice(0, pin.min.length), pin.min.slice(0, upper.length)) < 0) conflict = true;
      if (lower !== undefined && pin.below !== undefined && compareVersions(lower, pin.below) >= 0) conflict = true;
      if (!conflict) continue;
      reports.push({
        file: ctx.conda.path,
        range: dep.range,
        message: `"${dep.spec}" conflicts with ${pin.wanted}, which FLOps adds to every image; conda then fails to solve in the base image build. Relax or drop the pin.`,
      });
    }
    return reports;
  },
};

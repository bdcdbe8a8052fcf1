import type { Rule, RuleReport } from '../rule';
import { condaDependencies } from '../../config/conda-spec';
import { intervalsOverlap, versionInterval } from '../../config/version-interval';

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
      const allowed = versionInterval(dep.constraint, dep.source);
      if (allowed === undefined) continue;
      // The versions the pin allows must overlap FLOps' [pin.min, pin.below).
      if (intervalsOverlap(allowed, { lo: pin.min, loInclusive: true, ...(pin.below !== undefined ? { hi: pin.below } : {}), hiInclusive: false })) continue;
      reports.push({
        file: ctx.conda.path,
        range: dep.range,
        message: `"${dep.spec}" conflicts with ${pin.wanted}, which FLOps adds to every image; conda then fails to solve in the base image build. Relax or drop the pin.`,
      });
    }
    return reports;
  },
};

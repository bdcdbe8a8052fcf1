import { closestMatch } from '../edit-distance';
import { objects, type SlaCheck } from './sla-check';

const knownConstraintTypes = ['direct', 'clusters', 'addons', 'latency', 'geo'] as const;

/** Constraints the scheduler ignores or cannot match. */
export const constraint: SlaCheck = {
  meta: {
    id: 'flops/sla-constraint',
    severity: 'warning',
    title: 'Constraints are "direct" ones with a cluster or node, the only kind the scheduler enforces.',
    why: '"clusters", "addons", "latency" and "geo" constraints are accepted and ignored by the current Go scheduler, so the service may land anywhere; "node1;node2" lists are not parsed.',
  },
  visitor: () => ({
    service: (ms, path, report) => {
      for (const [entry, c] of objects(ms['constraints'])) {
        const cPath: PropertyKey[] = [...path, 'constraints', c];
        const type = entry['type'];
        if (typeof type !== 'string') continue;
        if (type === 'direct') {
          const cluster = entry['cluster'];
          const node = entry['node'];
          if (cluster === undefined && node === undefined) report([...cPath, 'type'], 'A "direct" constraint without "cluster" or "node" constrains nothing. Name the cluster or node.');
          for (const [key, value] of [['cluster', cluster], ['node', node]] as const) {
            if (typeof value === 'string' && /[;,]/.test(value)) report([...cPath, key], `${key} "${value}" is matched as one exact name: lists are not parsed. Keep one name per "direct" constraint.`);
          }
        } else if ((knownConstraintTypes as readonly string[]).includes(type)) {
          const extra = type === 'addons' || type === 'clusters' ? ' FLOps relies on it only as a hint.' : '';
          report([...cPath, 'type'], `The current Oakestra scheduler ignores "${type}" constraints (only "direct" is enforced), so this one has no effect.${extra}`);
        } else {
          const near = closestMatch(type, knownConstraintTypes);
          report([...cPath, 'type'], `Unknown constraint type "${type}"; the scheduler ignores it.${near !== undefined ? ` Did you mean "${near}"?` : ''}`);
        }
      }
    },
  }),
};

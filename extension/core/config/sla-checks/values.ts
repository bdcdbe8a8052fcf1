import type { SlaCheck } from './sla-check';

const resourceKeys = ['memory', 'vcpus', 'vgpus', 'vtpus', 'bandwidth_in', 'bandwidth_out', 'storage'] as const;

/** Environment entries that are not KEY=value, negative resources. */
export const values: SlaCheck = {
  meta: {
    id: 'flops/sla-values',
    severity: 'warning',
    title: 'environment entries are "KEY=value" and resources are not negative.',
    why: 'The validator checks only types; such values break the service on the worker or make it unschedulable.',
  },
  visitor: () => ({
    service: (ms, path, report) => {
      for (const [i, entry] of (Array.isArray(ms['environment']) ? ms['environment'] : []).entries()) {
        if (typeof entry === 'string' && !/^[^=]+=/.test(entry)) report([...path, 'environment', i], `environment entry "${entry}" is not "KEY=value".`);
      }
      for (const key of resourceKeys) {
        const value = ms[key];
        if (typeof value === 'number' && value < 0) report([...path, key], `${key} is negative (${value}); no worker can offer that. Use 0 or more.`);
      }
    },
  }),
};

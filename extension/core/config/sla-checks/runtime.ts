import { closestMatch } from '../edit-distance';
import type { SlaCheck } from './sla-check';

const runtimes = ['container', 'unikernel', 'crosvm'] as const;

/** A virtualization no worker offers, or a unikernel without its architecture. */
export const runtime: SlaCheck = {
  meta: {
    id: 'flops/sla-runtime',
    severity: 'warning',
    title: 'virtualization is "container", "unikernel" (with "arch") or "crosvm".',
    why: 'The service must match a worker runtime; a unikernel without "arch" fails with HTTP 500/400.',
  },
  visitor: () => ({
    service: (ms, path, report) => {
      const value = ms['virtualization'];
      if (typeof value !== 'string') return;
      if (!(runtimes as readonly string[]).includes(value)) {
        const near = closestMatch(value, runtimes);
        report([...path, 'virtualization'], `virtualization "${value}" matches no Oakestra worker runtime; use "container", "unikernel" or "crosvm".${near !== undefined ? ` Did you mean "${near}"?` : ''}`);
      } else if (value === 'unikernel' && !(Array.isArray(ms['arch']) && ms['arch'].length > 0)) {
        report([...path, 'virtualization'], 'A unikernel service needs "arch" (e.g. ["amd64"]): without it the deployment fails with HTTP 500/400.');
      }
    },
  }),
};

import { oakestraSlaSchema } from '../oakestra-sla';
import { findUnknownKeys, formatJsonPath } from '../unknown-keys';
import type { SlaCheck } from './sla-check';

/** Keys Oakestra stores and ignores (a misspelt setting). */
export const unknownKey: SlaCheck = {
  meta: {
    id: 'flops/sla-unknown-key',
    severity: 'warning',
    title: 'Every key is one Oakestra knows, and no key appears twice.',
    why: 'Oakestra stores unknown keys and ignores them, so a misspelt key (bandwith_out) silently loses its setting.',
  },
  visitor: () => ({
    document: (sla, report) => {
      for (const entry of findUnknownKeys(oakestraSlaSchema, sla)) {
        const where = entry.path.length > 0 ? ` in ${formatJsonPath(entry.path)}` : '';
        report([...entry.path, entry.key], `Unknown key "${entry.key}"${where}; Oakestra stores it but ignores it.${entry.suggestion !== undefined ? ` Did you mean "${entry.suggestion}"?` : ''}`);
      }
    },
  }),
};

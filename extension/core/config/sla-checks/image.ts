import { imageReferenceProblem } from '../image-reference';
import type { SlaCheck } from './sla-check';

/** A container service whose code is not an image reference the worker can pull. */
export const image: SlaCheck = {
  meta: {
    id: 'flops/sla-image',
    severity: 'warning',
    title: 'A container service\'s code is an image reference: [registry/]name[:tag][@digest].',
    why: 'Any string passes the validator; the worker fails to pull anything else, and only after the service was scheduled.',
  },
  visitor: () => ({
    service: (ms, path, report) => {
      const code = ms['code'];
      const virtualization = ms['virtualization'];
      if (typeof code !== 'string' || (virtualization !== undefined && virtualization !== 'container')) return;
      const problem = imageReferenceProblem(code, 'code');
      if (problem !== undefined) report([...path, 'code'], `${problem}; the worker cannot pull it.`);
    },
  }),
};

import type { SlaCheck } from './sla-check';

const portPattern = /^\d+(:\d+)?(\/(tcp|udp))?(;\d+(:\d+)?(\/(tcp|udp))?)*$/;

/** A port string the worker cannot set up. */
export const port: SlaCheck = {
  meta: {
    id: 'flops/sla-port',
    severity: 'warning',
    title: 'port is "host:container[/tcp|udp]" (or a bare port), several joined by ";".',
    why: 'Any string passes the validator; a malformed one fails only when the worker sets up the service.',
  },
  visitor: () => ({
    service: (ms, path, report) => {
      const value = ms['port'];
      if (typeof value !== 'string') return;
      if (!portPattern.test(value)) {
        report([...path, 'port'], `port "${value}" is not "host:container[/tcp|udp]" (several joined by ";"), e.g. "8080:80" or "6080:80/udp".`);
        return;
      }
      const tooBig = value.split(/[;:/]/).filter((p) => /^\d+$/.test(p)).find((p) => Number(p) < 1 || Number(p) > 65535);
      if (tooBig !== undefined) report([...path, 'port'], `port "${value}" uses ${tooBig}, which is not a port number (1 to 65535).`);
    },
  }),
};

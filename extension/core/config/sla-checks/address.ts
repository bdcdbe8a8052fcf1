import { isObject, type SlaCheck } from './sla-check';

function ipv4(text: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m === null) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : undefined;
}

/** The eight 16-bit groups of an IPv6 address, `undefined` if it is not one. */
export function ipv6Groups(text: string): number[] | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(text) || text.split('::').length > 2) return undefined;
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head === '' || head === undefined ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...new Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => parseInt(g, 16));
}

/** Service IPs outside the overlay network's ranges. */
export const address: SlaCheck = {
  meta: {
    id: 'flops/sla-address',
    severity: 'warning',
    title: 'addresses.rr_ip lies in 10.30.0.0/16 and rr_ip_v6 in fdff:2000::/21.',
    why: 'Service IPs outside the overlay network\'s ranges are never routed.',
  },
  visitor: () => ({
    service: (ms, path, report) => {
      const addresses = ms['addresses'];
      if (!isObject(addresses)) return;
      const rr = addresses['rr_ip'];
      if (typeof rr === 'string') {
        const parts = ipv4(rr);
        if (parts === undefined) report([...path, 'addresses', 'rr_ip'], `rr_ip "${rr}" is not an IPv4 address; use an unused address in 10.30.0.0/16.`);
        else if (parts[0] !== 10 || parts[1] !== 30) report([...path, 'addresses', 'rr_ip'], `rr_ip ${rr} is outside 10.30.0.0/16, the service range of Oakestra's overlay network, so it is never routed. Use an unused address such as 10.30.0.10.`);
      }
      const rr6 = addresses['rr_ip_v6'];
      if (typeof rr6 === 'string') {
        const groups = ipv6Groups(rr6);
        if (groups === undefined) report([...path, 'addresses', 'rr_ip_v6'], `rr_ip_v6 "${rr6}" is not an IPv6 address; use one in fdff:2000::/21.`);
        else if (groups[0] !== 0xfdff || ((groups[1] ?? 0) & 0xf800) !== 0x2000) report([...path, 'addresses', 'rr_ip_v6'], `rr_ip_v6 ${rr6} is outside fdff:2000::/21, the service range of Oakestra's overlay network.`);
      }
    },
  }),
};

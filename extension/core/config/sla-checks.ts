import type { RuleId, Severity } from '../findings/finding';
import { closestMatch } from './edit-distance';
import { imageReferenceProblem } from './image-reference';
import { oakestraSlaSchema, slaNamePattern } from './oakestra-sla';
import { findUnknownKeys, formatJsonPath } from './unknown-keys';

/**
 * The lint layer of Oakestra SLAs (oakestra-api.md §8 "Validation layers"): what the server accepts but
 * handles badly, or what its scheduler ignores. The schema layer is oakestra-sla.ts. These checks read
 * the raw JSON defensively, so they also run on SLAs that fail the schema.
 */

export interface SlaCheckMeta {
  readonly id: RuleId;
  readonly severity: Severity;
  /** What the check wants, in one line. */
  readonly title: string;
  /** What goes wrong otherwise. */
  readonly why: string;
}

export const slaChecks = {
  schema: {
    id: 'flops/sla-schema',
    severity: 'error',
    title: 'The SLA is JSON and passes Oakestra\'s validator: required fields, 1–30 letter-or-digit names, empty microserviceID, string port, integer resources, sla_version "v2.0".',
    why: 'The server answers a bare 422 (schema) or 500 (version) without saying what is wrong (oakestra#171).',
  },
  nameLength: {
    id: 'flops/sla-name-length',
    severity: 'warning',
    title: 'Application and service names and namespaces have at most 10 characters.',
    why: 'The validator allows 30, but the documented limit is 10 and longer service names register and then can fail at deploy time (oakestra#307).',
  },
  constraint: {
    id: 'flops/sla-constraint',
    severity: 'warning',
    title: 'Constraints are "direct" ones with a cluster or node, the only kind the scheduler enforces.',
    why: '"clusters", "addons", "latency" and "geo" constraints are accepted and ignored by the current Go scheduler, so the service may land anywhere; "node1;node2" lists are not parsed.',
  },
  port: {
    id: 'flops/sla-port',
    severity: 'warning',
    title: 'port is "host:container[/tcp|udp]" (or a bare port), several joined by ";".',
    why: 'Any string passes the validator; a malformed one fails only when the worker sets up the service.',
  },
  address: {
    id: 'flops/sla-address',
    severity: 'warning',
    title: 'addresses.rr_ip lies in 10.30.0.0/16 and rr_ip_v6 in fdff:2000::/21.',
    why: 'Service IPs outside the overlay network\'s ranges are never routed.',
  },
  duplicateName: {
    id: 'flops/sla-duplicate-name',
    severity: 'warning',
    title: 'Service name and namespace are unique within an application, application name and namespace within the SLA.',
    why: 'A duplicate service silently replaces the existing job; a duplicate application gets HTTP 409 after the first one was created.',
  },
  runtime: {
    id: 'flops/sla-runtime',
    severity: 'warning',
    title: 'virtualization is "container", "unikernel" (with "arch") or "crosvm".',
    why: 'The service must match a worker runtime; a unikernel without "arch" fails with HTTP 500/400.',
  },
  image: {
    id: 'flops/sla-image',
    severity: 'warning',
    title: 'A container service\'s code is an image reference: [registry/]name[:tag][@digest].',
    why: 'Any string passes the validator; the worker fails to pull anything else, and only after the service was scheduled.',
  },
  values: {
    id: 'flops/sla-values',
    severity: 'warning',
    title: 'environment entries are "KEY=value" and resources are not negative.',
    why: 'The validator checks only types; such values break the service on the worker or make it unschedulable.',
  },
  unknownKey: {
    id: 'flops/sla-unknown-key',
    severity: 'warning',
    title: 'Every key is one Oakestra knows, and no key appears twice.',
    why: 'Oakestra stores unknown keys and ignores them, so a misspelt key (bandwith_out) silently loses its setting.',
  },
} as const satisfies Record<string, SlaCheckMeta>;

export type SlaCheckKey = keyof typeof slaChecks;

export interface SlaIssue {
  readonly check: SlaCheckKey;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  /** Absent: the check's severity. */
  readonly severity?: Severity;
}

const knownConstraintTypes = ['direct', 'clusters', 'addons', 'latency', 'geo'] as const;
const runtimes = ['container', 'unikernel', 'crosvm'] as const;
const portPattern = /^\d+(:\d+)?(\/(tcp|udp))?(;\d+(:\d+)?(\/(tcp|udp))?)*$/;
const resourceKeys = ['memory', 'vcpus', 'vgpus', 'vtpus', 'bandwidth_in', 'bandwidth_out', 'storage'] as const;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objects(value: unknown): [Json, number][] {
  return Array.isArray(value) ? value.flatMap((v, i): [Json, number][] => (isObject(v) ? [[v, i]] : [])) : [];
}

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

/** Checks an SLA's content beyond the schema. Pure; never throws, whatever the JSON. */
export function checkSlaSemantics(sla: unknown): SlaIssue[] {
  const issues: SlaIssue[] = [];
  const add = (check: SlaCheckKey, path: readonly PropertyKey[], message: string): void => {
    issues.push({ check, path, message });
  };
  if (!isObject(sla)) return issues;

  const longName = (value: unknown, path: PropertyKey[], what: string): void => {
    if (typeof value === 'string' && slaNamePattern.test(value) && value.length > 10) {
      add('nameLength', path, `${what} "${value}" has ${value.length} characters; Oakestra documents a limit of 10 and longer names can fail at deploy time. Shorten it to at most 10.`);
    }
  };

  const apps = new Map<string, number>();
  for (const [app, a] of objects(sla['applications'])) {
    const appPath: PropertyKey[] = ['applications', a];
    longName(app['application_name'], [...appPath, 'application_name'], 'application_name');
    longName(app['application_namespace'], [...appPath, 'application_namespace'], 'application_namespace');
    if (typeof app['application_name'] === 'string' && typeof app['application_namespace'] === 'string') {
      const key = `${app['application_name']}.${app['application_namespace']}`;
      const first = apps.get(key);
      if (first !== undefined) add('duplicateName', [...appPath, 'application_name'], `Application ${key} is also defined at applications[${first}]; Oakestra creates the first and answers HTTP 409 for this one.`);
      else apps.set(key, a);
    }

    const services = new Map<string, number>();
    for (const [ms, m] of objects(app['microservices'])) {
      const msPath: PropertyKey[] = [...appPath, 'microservices', m];
      const name = ms['microservice_name'];
      const namespace = ms['microservice_namespace'];
      longName(name, [...msPath, 'microservice_name'], 'microservice_name');
      longName(namespace, [...msPath, 'microservice_namespace'], 'microservice_namespace');
      if (typeof name === 'string' && typeof namespace === 'string') {
        const key = `${name}.${namespace}`;
        const first = services.get(key);
        if (first !== undefined) add('duplicateName', [...msPath, 'microservice_name'], `Service ${key} is also defined at microservices[${first}]; Oakestra silently replaces that job with this one. Rename one of them.`);
        else services.set(key, m);
      }

      const runtime = ms['virtualization'];
      if (typeof runtime === 'string') {
        if (!(runtimes as readonly string[]).includes(runtime)) {
          const near = closestMatch(runtime, runtimes);
          add('runtime', [...msPath, 'virtualization'], `virtualization "${runtime}" matches no Oakestra worker runtime; use "container", "unikernel" or "crosvm".${near !== undefined ? ` Did you mean "${near}"?` : ''}`);
        } else if (runtime === 'unikernel' && !(Array.isArray(ms['arch']) && ms['arch'].length > 0)) {
          add('runtime', [...msPath, 'virtualization'], 'A unikernel service needs "arch" (e.g. ["amd64"]): without it the deployment fails with HTTP 500/400.');
        }
      }

      const code = ms['code'];
      if (typeof code === 'string' && (runtime === undefined || runtime === 'container')) {
        const problem = imageReferenceProblem(code, 'code');
        if (problem !== undefined) add('image', [...msPath, 'code'], `${problem}; the worker cannot pull it.`);
      }

      const port = ms['port'];
      if (typeof port === 'string') {
        if (!portPattern.test(port)) {
          add('port', [...msPath, 'port'], `port "${port}" is not "host:container[/tcp|udp]" (several joined by ";"), e.g. "8080:80" or "6080:80/udp".`);
        } else {
          const tooBig = port.split(/[;:/]/).filter((p) => /^\d+$/.test(p)).find((p) => Number(p) < 1 || Number(p) > 65535);
          if (tooBig !== undefined) add('port', [...msPath, 'port'], `port "${port}" uses ${tooBig}, which is not a port number (1 to 65535).`);
        }
      }

      const addresses = ms['addresses'];
      if (isObject(addresses)) {
        const rr = addresses['rr_ip'];
        if (typeof rr === 'string') {
          const parts = ipv4(rr);
          if (parts === undefined) add('address', [...msPath, 'addresses', 'rr_ip'], `rr_ip "${rr}" is not an IPv4 address; use an unused address in 10.30.0.0/16.`);
          else if (parts[0] !== 10 || parts[1] !== 30) add('address', [...msPath, 'addresses', 'rr_ip'], `rr_ip ${rr} is outside 10.30.0.0/16, the service range of Oakestra's overlay network, so it is never routed. Use an unused address such as 10.30.0.10.`);
        }
        const rr6 = addresses['rr_ip_v6'];
        if (typeof rr6 === 'string') {
          const groups = ipv6Groups(rr6);
          if (groups === undefined) add('address', [...msPath, 'addresses', 'rr_ip_v6'], `rr_ip_v6 "${rr6}" is not an IPv6 address; use one in fdff:2000::/21.`);
          else if (groups[0] !== 0xfdff || ((groups[1] ?? 0) & 0xf800) !== 0x2000) add('address', [...msPath, 'addresses', 'rr_ip_v6'], `rr_ip_v6 ${rr6} is outside fdff:2000::/21, the service range of Oakestra's overlay network.`);
        }
      }

      for (const [constraint, c] of objects(ms['constraints'])) {
        const cPath: PropertyKey[] = [...msPath, 'constraints', c];
        const type = constraint['type'];
        if (typeof type !== 'string') continue;
        if (type === 'direct') {
          const cluster = constraint['cluster'];
          const node = constraint['node'];
          if (cluster === undefined && node === undefined) add('constraint', [...cPath, 'type'], 'A "direct" constraint without "cluster" or "node" constrains nothing. Name the cluster or node.');
          for (const [key, value] of [['cluster', cluster], ['node', node]] as const) {
            if (typeof value === 'string' && /[;,]/.test(value)) add('constraint', [...cPath, key], `${key} "${value}" is matched as one exact name: lists are not parsed. Keep one name per "direct" constraint.`);
          }
        } else if ((knownConstraintTypes as readonly string[]).includes(type)) {
          const extra = type === 'addons' || type === 'clusters' ? ' FLOps relies on it only as a hint.' : '';
          add('constraint', [...cPath, 'type'], `The current Oakestra scheduler ignores "${type}" constraints (only "direct" is enforced), so this one has no effect.${extra}`);
        } else {
          const near = closestMatch(type, knownConstraintTypes);
          add('constraint', [...cPath, 'type'], `Unknown constraint type "${type}"; the scheduler ignores it.${near !== undefined ? ` Did you mean "${near}"?` : ''}`);
        }
      }

      for (const [i, entry] of (Array.isArray(ms['environment']) ? ms['environment'] : []).entries()) {
        if (typeof entry === 'string' && !/^[^=]+=/.test(entry)) add('values', [...msPath, 'environment', i], `environment entry "${entry}" is not "KEY=value".`);
      }
      for (const key of resourceKeys) {
        const value = ms[key];
        if (typeof value === 'number' && value < 0) add('values', [...msPath, key], `${key} is negative (${value}); no worker can offer that. Use 0 or more.`);
      }
    }
  }

  for (const entry of findUnknownKeys(oakestraSlaSchema, sla)) {
    const where = entry.path.length > 0 ? ` in ${formatJsonPath(entry.path)}` : '';
    add('unknownKey', [...entry.path, entry.key], `Unknown key "${entry.key}"${where}; Oakestra stores it but ignores it.${entry.suggestion !== undefined ? ` Did you mean "${entry.suggestion}"?` : ''}`);
  }
  return issues;
}

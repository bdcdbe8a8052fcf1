import type Docker from 'dockerode';
import type { ContainerSpec, ContainerStatus } from '../../core/ports';

/** A ContainerSpec in the Engine API's create shape, and the engine's container states read back. */

const mebibyte = 1024 * 1024;

export function labelFilters(labels: Readonly<Record<string, string>>): string[] {
  return Object.entries(labels).map(([key, value]) => `${key}=${value}`);
}

const containerStatuses: ReadonlySet<string> = new Set<ContainerStatus>(['created', 'running', 'paused', 'restarting', 'exited', 'dead', 'removing']);

export function containerStatus(status: string): ContainerStatus {
  if (!containerStatuses.has(status)) throw new Error(`The Docker engine reported a container status this extension does not know: "${status}".`);
  return status as ContainerStatus;
}

export function createOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  const ports = spec.ports ?? [];
  const memory = spec.memoryMb !== undefined ? Math.round(spec.memoryMb * mebibyte) : undefined;
  return {
    name: spec.name,
    Image: spec.image,
    Cmd: [...spec.cmd],
    Env: [...spec.env],
    Labels: { ...spec.labels },
    ...(spec.stopSignal !== undefined ? { StopSignal: spec.stopSignal } : {}),
    ExposedPorts: Object.fromEntries(ports.map((p) => [`${p.container}/tcp`, {}])),
    HostConfig: {
      NetworkMode: spec.network,
      ...(spec.cpus !== undefined ? { NanoCpus: Math.round(spec.cpus * 1e9) } : {}),
      // Swap equal to memory means no swap: an edge device's limit is a hard limit, and a learner that
      // exceeds it should be OOM-killed as it would be there, not slowed down by swapping.
      ...(memory !== undefined ? { Memory: memory, MemorySwap: memory } : {}),
      PortBindings: Object.fromEntries(ports.map((p) => [`${p.container}/tcp`, [{ HostIp: '127.0.0.1', HostPort: String(p.host) }]])),
      Binds: (spec.volumes ?? []).map((v) => `${v.name}:${v.target}`),
    },
    NetworkingConfig: { EndpointsConfig: { [spec.network]: { Aliases: [...spec.aliases] } } },
  };
}

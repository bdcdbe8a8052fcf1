import { z } from 'zod';
import type { ContainerEvent, ResourceSample } from '../../core/ports';

const mebibyte = 1024 * 1024;

/** The engine's event and stats messages as ContainerEvents and ResourceSamples. */

/** Event attributes that are not labels: the engine mixes both into one map. */
const nonLabelAttributes = new Set(['name', 'image', 'exitCode', 'signal', 'execID', 'execDuration', 'oldName']);

const engineEvent = z.object({
  Action: z.string(),
  Actor: z.object({ Attributes: z.record(z.string(), z.string()).optional() }),
  time: z.number().optional(),
  timeNano: z.number().optional(),
});

export function containerEvent(value: unknown): ContainerEvent {
  const event = engineEvent.parse(value);
  const attributes = event.Actor.Attributes ?? {};
  const labels = Object.fromEntries(Object.entries(attributes).filter(([key]) => !nonLabelAttributes.has(key)));
  const exitCode = attributes['exitCode'];
  // timeNano is beyond double precision; in milliseconds the rounding error does not show.
  const time = event.timeNano !== undefined ? Math.floor(event.timeNano / 1e6) : (event.time ?? 0) * 1000;
  return {
    name: attributes['name'] ?? '',
    labels,
    action: event.Action,
    ...(exitCode !== undefined && /^-?\d+$/.test(exitCode) ? { exitCode: Number(exitCode) } : {}),
    time,
  };
}

const cpuStats = z.object({
  cpu_usage: z.object({ total_usage: z.number().optional(), percpu_usage: z.array(z.number()).nullish() }).optional(),
  system_cpu_usage: z.number().optional(),
  online_cpus: z.number().optional(),
});

export const engineStats = z.object({
  read: z.string(),
  cpu_stats: cpuStats.optional(),
  precpu_stats: cpuStats.optional(),
  memory_stats: z.object({ usage: z.number().optional(), limit: z.number().optional(), stats: z.record(z.string(), z.number()).optional() }).optional(),
});

/** The `docker stats` CLI's arithmetic, so the numbers match what users see there. */
export function resourceSample(name: string, stats: z.infer<typeof engineStats>): ResourceSample | undefined {
  const now = stats.cpu_stats;
  const before = stats.precpu_stats;
  // The first sample has no previous reading to take a difference from.
  if (now?.system_cpu_usage === undefined || before?.system_cpu_usage === undefined || before.system_cpu_usage === 0) return undefined;
  const cpuDelta = (now.cpu_usage?.total_usage ?? 0) - (before.cpu_usage?.total_usage ?? 0);
  const systemDelta = now.system_cpu_usage - before.system_cpu_usage;
  const cpus = now.online_cpus ?? now.cpu_usage?.percpu_usage?.length ?? 1;
  const cpuPercent = systemDelta > 0 && cpuDelta >= 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
  const memory = stats.memory_stats;
  const usage = memory?.usage ?? 0;
  // Page cache the kernel can drop is not use: cgroup v1 reports it as total_inactive_file, v2 as
  // inactive_file (what `docker stats` subtracts since 20.10; the older `cache` includes active pages).
  const inactive = memory?.stats?.['total_inactive_file'] ?? memory?.stats?.['inactive_file'] ?? 0;
  return {
    name,
    cpuPercent,
    memoryMb: (inactive < usage ? usage - inactive : usage) / mebibyte,
    ...(memory?.limit !== undefined && memory.limit > 0 ? { memoryLimitMb: memory.limit / mebibyte } : {}),
  };
}

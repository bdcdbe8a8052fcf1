import { FlError, messageOf } from '../core/errors';
import type { ContainerInfo, ContainerRuntime } from '../core/ports';
import type { RunRecord } from '../core/runs/run-record';
import type { RunOwnersPort } from '../core/simulate/local-simulation';
import { labelKeys } from '../core/simulate/plan';
import { type CliIo, interruptSignal } from './cli-io';
import type { CliServices } from './cli-root';
import { endpointsText, fixed, formatOption, oneDir, parseSimArgs, positiveInt, simUsage, simUsageError } from './sim-args';
import { upCommand } from './sim-up';

/**
 * `flops sim up|status|logs|down|runs`: the local simulation from a terminal, over the same launcher
 * and session as the editor. `up` runs in the foreground and always cleans up (Ctrl-C stops the run and
 * removes its containers); `down` cleans up after a process that died.
 */

export async function simCommand(args: string[], io: CliIo, services: CliServices): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'up':
      return await upCommand(rest, io, services);
    case 'status':
      return await statusCommand(rest, io, services);
    case 'logs':
      return await logsCommand(rest, io, services);
    case 'down':
      return await downCommand(rest, io, services);
    case 'runs':
      return await runsCommand(rest, io, services);
    case 'pause':
    case 'resume':
    case 'kill':
    case 'restart':
      return await learnerCommand(sub, rest, io, services);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      io.out.write(`${simUsage}\n`);
      return sub === undefined ? 2 : 0;
    default:
      throw simUsageError(`Unknown sim command "${sub}".`);
  }
}

/** The containers of the repository's runs, grouped by run id. */
async function repoContainers(runtime: ContainerRuntime, owners: RunOwnersPort, dir: string): Promise<Map<string, ContainerInfo[]>> {
  const containers = await runtime.listContainers({ [labelKeys.repo]: await owners.repoKey(dir) });
  const byRun = new Map<string, ContainerInfo[]>();
  for (const c of containers) {
    const run = c.labels[labelKeys.run] ?? '?';
    byRun.set(run, [...(byRun.get(run) ?? []), c]);
  }
  for (const list of byRun.values()) list.sort((a, b) => serviceOrder(a) - serviceOrder(b) || (a.labels[labelKeys.composeService] ?? '').localeCompare(b.labels[labelKeys.composeService] ?? '', 'en', { numeric: true }));
  return byRun;
}

/** The host addresses a run's containers publish, from their labels (the plan records them). */
function endpointsOf(containers: readonly ContainerInfo[]): { control?: string; mlflow?: string } {
  const labelled = (role: string): string | undefined => containers.find((c) => c.labels[labelKeys.role] === role)?.labels[labelKeys.endpoint];
  const control = labelled('aggregator');
  const mlflow = labelled('mlflow');
  return { ...(control !== undefined ? { control } : {}), ...(mlflow !== undefined ? { mlflow } : {}) };
}

function serviceOrder(c: ContainerInfo): number {
  return ['mlflow', 'aggregator', 'learner', 'starter'].indexOf(c.labels[labelKeys.role] ?? '');
}

async function statusCommand(args: string[], { out, err }: CliIo, services: CliServices): Promise<number> {
  const { values, positionals } = parseSimArgs({ args, allowPositionals: true, options: { format: { type: 'string', short: 'f' } } });
  const dir = oneDir(positionals);
  const fmt = formatOption(values.format);
  const runtime = services.runtime();
  const byRun = await repoContainers(runtime, services.owners, dir);
  const records = await services.history.read(dir, (problem) => err.write(`flops sim: ${problem}\n`)).catch((error: unknown) => {
    err.write(`flops sim: the run history could not be read (${messageOf(error)}); rounds are not shown.\n`);
    return [] as RunRecord[];
  });
  const runs = [...byRun.entries()].map(([runId, containers]) => {
    const record = records.find((r) => r.runId === runId);
    const last = record?.rounds.at(-1);
    return {
      runId,
      owner: containers[0]?.labels[labelKeys.owner] ?? '',
      round: last?.round ?? 0,
      rounds: record?.config.rounds ?? last?.rounds ?? 0,
      accuracy: last?.evaluate?.['accuracy'] ?? null,
      endpoints: endpointsOf(containers),
      containers: containers.map((c) => ({ service: c.labels[labelKeys.composeService] ?? c.name, name: c.name, status: c.status, ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}) })),
    };
  });
  if (fmt === 'json') {
    out.write(`${JSON.stringify({ runs }, null, 2)}\n`);
    return 0;
  }
  if (runs.length === 0) {
    err.write(`flops sim: no simulation of ${dir} is running.\n`);
    return 0;
  }
  for (const run of runs) {
    out.write(`run ${run.runId} (process ${run.owner}): round ${run.round}/${run.rounds}${run.accuracy !== null ? `, accuracy ${run.accuracy.toFixed(3)}` : ''}${endpointsText(run.endpoints)}\n`);
    for (const c of run.containers) out.write(`  ${c.service.padEnd(12)} ${c.status}${c.exitCode !== undefined && c.status === 'exited' ? ` (exit ${c.exitCode})` : ''}  ${c.name}\n`);
  }
  return 0;
}

async function logsCommand(args: string[], { out, err }: CliIo, services: CliServices): Promise<number> {
  const { values, positionals } = parseSimArgs({
    args,
    allowPositionals: true,
    options: { follow: { type: 'boolean', short: 'f' }, learner: { type: 'string', short: 'l' }, service: { type: 'string', short: 's' }, tail: { type: 'string' } },
  });
  const dir = oneDir(positionals);
  const learner = positiveInt(values.learner, '--learner');
  const tail = values.tail === undefined ? undefined : values.tail === '0' ? 0 : positiveInt(values.tail, '--tail');
  const service = learner !== undefined ? `learner-${learner}` : values.service;
  const runtime = services.runtime();
  const byRun = await repoContainers(runtime, services.owners, dir);
  if (byRun.size === 0) {
    err.write(`flops sim: no simulation of ${dir} is running (past runs: flops sim runs).\n`);
    return 1;
  }
  const containers = [...byRun.values()].flat().filter((c) => service === undefined || c.labels[labelKeys.composeService] === service);
  if (containers.length === 0) {
    const known = [...byRun.values()].flat().map((c) => c.labels[labelKeys.composeService] ?? c.name);
    err.write(`flops sim: the running simulation has no service "${service ?? ''}"; it has ${known.join(', ')}.\n`);
    return 2;
  }
  const interrupt = interruptSignal();
  try {
    const prefix = containers.length > 1;
    await Promise.all(
      containers.map((c) =>
        runtime.readLogs(c.name, { follow: values.follow === true, ...(tail !== undefined ? { tail } : {}), signal: interrupt.signal }, (line) => {
          out.write(prefix ? `[${c.labels[labelKeys.composeService] ?? c.name}] ${line}\n` : `${line}\n`);
        }),
      ),
    );
    return 0;
  } finally {
    interrupt.dispose();
  }
}

async function learnerCommand(action: 'pause' | 'resume' | 'kill' | 'restart', args: string[], { out, err }: CliIo, services: CliServices): Promise<number> {
  const { values, positionals } = parseSimArgs({ args, allowPositionals: true, options: { learner: { type: 'string', short: 'l' } } });
  const dir = oneDir(positionals);
  const learner = positiveInt(values.learner, '--learner');
  if (learner === undefined) throw simUsageError(`${action} needs --learner I (which learner, from 1)`);
  const runtime = services.runtime();
  const containers = [...(await repoContainers(runtime, services.owners, dir)).values()].flat();
  if (containers.length === 0) {
    err.write(`flops sim: no simulation of ${dir} is running.\n`);
    return 1;
  }
  const target = containers.find((c) => c.labels[labelKeys.learner] === String(learner));
  if (target === undefined) {
    const learners = containers.filter((c) => c.labels[labelKeys.learner] !== undefined).length;
    err.write(`flops sim: the running simulation has learners 1 to ${learners}; there is no learner ${learner}.\n`);
    return 2;
  }
  try {
    switch (action) {
      case 'pause':
        await runtime.pauseContainer(target.name);
        break;
      case 'resume':
        await runtime.unpauseContainer(target.name);
        break;
      case 'kill':
        await runtime.killContainer(target.name);
        break;
      case 'restart':
        await runtime.restartContainer(target.name);
        break;
      default: {
        const unknown: never = action;
        throw new Error(`unhandled action ${String(unknown)}`);
      }
    }
  } catch (error) {
    if (error instanceof FlError) throw error;
    // The engine's own words: "Container … is already paused", "… is not running", ...
    err.write(`flops sim: could not ${action} learner-${learner}: ${messageOf(error)}\n`);
    return 1;
  }
  const done = { pause: 'paused', resume: 'resumed', kill: 'killed', restart: 'restarted' }[action];
  out.write(`flops sim: learner-${learner} ${done} (${target.name}).\n`);
  return 0;
}

async function downCommand(args: string[], { out }: CliIo, services: CliServices): Promise<number> {
  const { positionals } = parseSimArgs({ args, allowPositionals: true, options: {} });
  const dir = oneDir(positionals);
  const runtime = services.runtime();
  const report = await runtime.removeLabelled({ [labelKeys.repo]: await services.owners.repoKey(dir) });
  const removed = report.containers.length + report.networks.length + report.volumes.length;
  out.write(removed === 0 ? 'flops sim: nothing to remove.\n' : `flops sim: removed ${report.containers.length} containers, ${report.networks.length} networks, ${report.volumes.length} volumes.\n`);
  for (const failure of report.failures) out.write(`flops sim: could not remove ${failure}\n`);
  return report.failures.length > 0 ? 1 : 0;
}

async function runsCommand(args: string[], { out, err }: CliIo, services: CliServices): Promise<number> {
  const { values, positionals } = parseSimArgs({ args, allowPositionals: true, options: { format: { type: 'string', short: 'f' } } });
  const dir = oneDir(positionals);
  const fmt = formatOption(values.format);
  const records = await services.history.read(dir, (problem) => err.write(`flops sim: ${problem}\n`));
  if (fmt === 'json') {
    out.write(`${JSON.stringify({ runs: records }, null, 2)}\n`);
    return 0;
  }
  if (records.length === 0) {
    err.write(`flops sim: no runs recorded for ${dir} yet (flops sim up starts one).\n`);
    return 0;
  }
  for (const r of records) {
    const last = r.rounds.at(-1);
    const when = new Date(r.startedAt).toISOString().replace('T', ' ').slice(0, 19);
    out.write(
      `${when}  ${r.runId.padEnd(28)} ${(r.outcome ?? 'running').padEnd(11)} ${String(r.rounds.length)}/${String(r.config.rounds)} rounds  ${r.config.learners} learners  ${r.config.strategy}  accuracy ${fixed(last?.evaluate?.['accuracy'])}${r.git?.commit !== undefined ? `  ${r.git.commit.slice(0, 8)}${r.git.dirtyFiles > 0 ? '+' : ''}` : ''}\n`,
    );
  }
  return 0;
}

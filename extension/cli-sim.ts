import { imageReferenceProblem } from './core/config/image-reference';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FlError, messageOf } from './core/errors';
import { toTextReport } from './core/lint/format-findings';
import type { ContainerInfo } from './core/ports';
import type { RunEvent } from './core/runs/run-events';
import type { RunRecord } from './core/runs/run-record';
import { labelKeys } from './core/simulate/plan';
import { latestMetric, type RunView } from './core/runs/run-view';
import { dockerRuntimeFor, type DockerRuntime } from './io/docker/runtime';
import { LocalSimulationLauncher } from './core/simulate/local-simulation';
import { isOwnerAlive, repoKey, simulationPorts } from './io/simulation-ports';
import { readRunRecords, runsFolder } from './io/run-history';
import { PythonPool } from './io/python-pool';

/**
 * `flops sim up|status|logs|down|runs`: the local simulation from a terminal, over the same launcher
 * and session as the editor. `up` runs in the foreground and always cleans up (Ctrl-C stops the run and
 * removes its containers); `down` cleans up after a process that died.
 */

export const simUsage = `Usage: flops sim <command> [DIR] [options]

Runs the repository's generated Flower app as an aggregator plus N learners in Docker.

Commands:
  up [DIR] [--learners N] [--rounds R] [--base-image IMAGE] [--force] [--start-timeout SECONDS] [--verbose]
        Generate .flops/ if needed, build the image when its inputs changed, start the
        run and print one line per round. Ctrl-C stops it; everything is removed at the end.
        --base-image builds FROM IMAGE instead of image.base_image (a prepared offline base).
  status [DIR] [--format text|json]
        The repository's running simulation: its containers and their states.
  logs [DIR] [--learner I | --service NAME] [--follow] [--tail N]
        Logs of the running simulation, each line prefixed by its service.
  down [DIR]
        Remove every container, network and volume of the repository's runs (also after a crash).
  runs [DIR] [--format text|json]
        The run history (.flops/runs/), newest first.
  pause|resume|kill|restart [DIR] --learner I
        What-if controls on a running simulation: stall a learner, let it go on, drop it
        out (the run continues without it), or bring it back.

Exit codes: 0 success, 1 the run failed or was stopped, 2 usage error, no Docker, bad input.`;

class SimUsageError extends Error {}

interface Io {
  readonly out: NodeJS.WriteStream;
  readonly err: NodeJS.WritableStream;
}

export async function simCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  try {
    switch (sub) {
      case 'up':
        return await upCommand(rest, io);
      case 'status':
        return await statusCommand(rest, io);
      case 'logs':
        return await logsCommand(rest, io);
      case 'down':
        return await downCommand(rest, io);
      case 'runs':
        return await runsCommand(rest, io);
      case 'pause':
      case 'resume':
      case 'kill':
      case 'restart':
        return await learnerCommand(sub, rest, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out.write(`${simUsage}\n`);
        return sub === undefined ? 2 : 0;
      default:
        throw new SimUsageError(`Unknown sim command "${sub}".`);
    }
  } catch (error) {
    if (error instanceof SimUsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      io.err.write(`flops sim: ${error.message}\n\n${simUsage}\n`);
      return 2;
    }
    throw error;
  }
}

function oneDir(positionals: readonly string[]): string {
  if (positionals.length > 1) throw new SimUsageError(`expected one folder, got ${positionals.length}: ${positionals.join(' ')}`);
  return path.resolve(positionals[0] ?? '.');
}

function positiveInt(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new SimUsageError(`${option} takes a whole number of at least 1, got "${value}"`);
  return Number(value);
}

function format(value: number | null | undefined, digits = 3): string {
  return typeof value === 'number' ? value.toFixed(digits) : '-';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Progress lines for a terminal: one per change that matters, never one per log line. */
function describe(event: RunEvent, view: RunView): string | undefined {
  switch (event.type) {
    case 'runPlanned':
      return `run ${event.runId}: ${event.learners} learner${event.learners === 1 ? '' : 's'}, ${event.rounds} round${event.rounds === 1 ? '' : 's'}, ${event.strategy}${endpointsText(event.endpoints)}`;
    case 'imageBuildStarted':
      return `building image ${event.tag} (its inputs changed)`;
    case 'imageBuildStep':
      return `  step ${event.index}/${event.total}: ${event.instruction.slice(0, 100)}`;
    case 'imageReady':
      return event.built ? `image ${event.tag} built` : `image ${event.tag} (unchanged, not rebuilt)`;
    case 'roundStarted':
      return undefined;
    case 'roundFinished': {
      const m = event.metrics;
      const previous = view.history.find((r) => r.round === m.round - 1);
      const took = previous !== undefined ? `  ${seconds(m.timeMs - previous.timeMs)}` : '';
      const failed = m.failures.train + m.failures.evaluate > 0 ? `; failed: ${m.failures.train} train, ${m.failures.evaluate} evaluate` : '';
      if (m.nodes.train === 0) return `! round ${m.round}/${m.rounds} failed: no learner returned a train result (${m.failures.train} failed)`;
      return `round ${m.round}/${m.rounds}  loss ${format(m.evaluate?.['loss'])}  accuracy ${format(m.evaluate?.['accuracy'])}  (train ${m.nodes.train}, evaluate ${m.nodes.evaluate} learners${failed})${took}`;
    }
    case 'waitingForLearners':
      return event.connected !== undefined ? `waiting for learners: ${event.connected} of ${event.required ?? '?'} connected` : undefined;
    case 'learnerFailed':
      return `! ${event.service} failed: ${event.reason}`;
    case 'memberState':
      if (event.state === 'paused' || (event.state === 'running' && view.phase === 'training')) return `  ${event.service} ${event.state}`;
      return undefined;
    case 'memberResources':
    case 'runFinished':
      return undefined;
    default: {
      const unknown: never = event;
      throw new Error(`unhandled event ${JSON.stringify(unknown)}`);
    }
  }
}

async function upCommand(args: string[], { out, err }: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      learners: { type: 'string', short: 'n' },
      rounds: { type: 'string', short: 'r' },
      force: { type: 'boolean' },
      'base-image': { type: 'string' },
      'start-timeout': { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    out.write(`${simUsage}\n`);
    return 0;
  }
  const dir = oneDir(positionals);
  const learners = positiveInt(values.learners, '--learners');
  const rounds = positiveInt(values.rounds, '--rounds');
  const startTimeout = positiveInt(values['start-timeout'], '--start-timeout');
  const baseImageProblem = values['base-image'] === undefined ? undefined : imageReferenceProblem(values['base-image'], '--base-image');
  if (baseImageProblem !== undefined) throw new SimUsageError(baseImageProblem);
  const analyzer = new PythonPool({ wasmDir: __dirname });
  const controller = new AbortController();
  let session: { stop(): void } | undefined;
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts += 1;
    if (interrupts === 1) {
      err.write('\nflops sim: stopping; removing the containers (Ctrl-C again to leave them: then run `flops sim down`)\n');
      if (session !== undefined) session.stop();
      else controller.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const started = Date.now();
  try {
    const launcher = new LocalSimulationLauncher(simulationPorts(analyzer));
    const start = await launcher.prepare(dir, {
      ...(learners !== undefined ? { learners } : {}),
      ...(rounds !== undefined ? { rounds } : {}),
      ...(values.force === true ? { force: true } : {}),
      ...(values['base-image'] !== undefined ? { baseImage: values['base-image'] } : {}),
      ...(startTimeout !== undefined ? { startTimeoutMs: startTimeout * 1000 } : {}),
      signal: controller.signal,
      onStep: (message) => err.write(`${message}…\n`),
      onEvent: (event, view) => {
        const line = describe(event, view);
        if (line !== undefined) out.write(`${line}\n`);
      },
      ...(values.verbose === true ? { onLog: (service: string, line: string) => out.write(`[${service}] ${line}\n`) } : {}),
    });
    if (start.kind === 'lintErrors') {
      err.write(toTextReport(start.errors, { color: false }));
      err.write('flops sim: the repository has lint errors; fix them or pass --force.\n');
      return 1;
    }
    if (start.kind === 'invalid') {
      err.write(`flops sim: ${start.message}\n`);
      return 2;
    }
    for (const file of start.keptEdited) err.write(`flops sim: using your edited ${file} (not regenerated)\n`);
    if (start.removedLeftovers.length > 0) err.write(`flops sim: removed ${start.removedLeftovers.length} leftovers of an earlier run whose process had exited\n`);
    session = start.session;
    if (controller.signal.aborted) start.session.stop();
    const view = await start.session.run();
    await start.recorded();
    const accuracy = latestMetric(view, 'accuracy');
    const summary = `${view.outcome ?? 'finished'}: ${view.message ?? ''} ${view.history.length}/${view.rounds} rounds in ${seconds(Date.now() - started)}${accuracy !== undefined ? `, final accuracy ${accuracy.toFixed(3)}` : ''}. Nothing is left running; history in ${path.relative(process.cwd(), start.recordPath) || start.recordPath}.`;
    (view.outcome === 'succeeded' ? out : err).write(`flops sim: ${summary}\n`);
    return view.outcome === 'succeeded' ? 0 : 1;
  } catch (error) {
    if (error instanceof FlError) {
      if (error.kind === 'cancelled') {
        err.write('flops sim: cancelled before the run started; nothing was left running.\n');
        return 130;
      }
      err.write(`flops sim: ${error.message}\n`);
      return 2;
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    analyzer.dispose();
  }
}

function formatOption(value: string | undefined): 'text' | 'json' {
  if (value === undefined || value === 'text') return 'text';
  if (value === 'json') return 'json';
  throw new SimUsageError(`Unknown format "${value}"; use text or json.`);
}

/** The containers of the repository's runs, grouped by run id. */
async function repoContainers(runtime: DockerRuntime, dir: string): Promise<Map<string, ContainerInfo[]>> {
  const containers = await runtime.listContainers({ [labelKeys.repo]: await repoKey(dir) });
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

/** "; Control API 127.0.0.1:41001, MLflow http://127.0.0.1:41002", or "" when unknown. */
function endpointsText(endpoints: { readonly control?: string; readonly mlflow?: string } | undefined): string {
  const parts = [endpoints?.control !== undefined ? `Control API ${endpoints.control}` : undefined, endpoints?.mlflow !== undefined ? `MLflow ${endpoints.mlflow}` : undefined].filter((p) => p !== undefined);
  return parts.length > 0 ? `; ${parts.join(', ')}` : '';
}

async function statusCommand(args: string[], { out, err }: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string', short: 'f' } } });
  const dir = oneDir(positionals);
  const fmt = formatOption(values.format);
  const runtime = dockerRuntimeFor();
  const byRun = await repoContainers(runtime, dir);
  const records = await readRunRecords(runsFolder(dir), isOwnerAlive, (problem) => err.write(`flops sim: ${problem}\n`)).catch((error: unknown) => {
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

async function logsCommand(args: string[], { out, err }: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { follow: { type: 'boolean', short: 'f' }, learner: { type: 'string', short: 'l' }, service: { type: 'string', short: 's' }, tail: { type: 'string' } },
  });
  const dir = oneDir(positionals);
  const learner = positiveInt(values.learner, '--learner');
  const tail = values.tail === undefined ? undefined : values.tail === '0' ? 0 : positiveInt(values.tail, '--tail');
  const service = learner !== undefined ? `learner-${learner}` : values.service;
  const runtime = dockerRuntimeFor();
  const byRun = await repoContainers(runtime, dir);
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
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const prefix = containers.length > 1;
    await Promise.all(
      containers.map((c) =>
        runtime.readLogs(c.name, { follow: values.follow === true, ...(tail !== undefined ? { tail } : {}), signal: controller.signal }, (line) => {
          out.write(prefix ? `[${c.labels[labelKeys.composeService] ?? c.name}] ${line}\n` : `${line}\n`);
        }),
      ),
    );
    return 0;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}

async function learnerCommand(action: 'pause' | 'resume' | 'kill' | 'restart', args: string[], { out, err }: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { learner: { type: 'string', short: 'l' } } });
  const dir = oneDir(positionals);
  const learner = positiveInt(values.learner, '--learner');
  if (learner === undefined) throw new SimUsageError(`${action} needs --learner I (which learner, from 1)`);
  const runtime = dockerRuntimeFor();
  const containers = [...(await repoContainers(runtime, dir)).values()].flat();
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

async function downCommand(args: string[], { out }: Io): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const dir = oneDir(positionals);
  const runtime = dockerRuntimeFor();
  const report = await runtime.removeLabelled({ [labelKeys.repo]: await repoKey(dir) });
  const removed = report.containers.length + report.networks.length + report.volumes.length;
  out.write(removed === 0 ? 'flops sim: nothing to remove.\n' : `flops sim: removed ${report.containers.length} containers, ${report.networks.length} networks, ${report.volumes.length} volumes.\n`);
  for (const failure of report.failures) out.write(`flops sim: could not remove ${failure}\n`);
  return report.failures.length > 0 ? 1 : 0;
}

async function runsCommand(args: string[], { out, err }: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string', short: 'f' } } });
  const dir = oneDir(positionals);
  const fmt = formatOption(values.format);
  const records = await readRunRecords(runsFolder(dir), isOwnerAlive, (problem) => err.write(`flops sim: ${problem}\n`));
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
      `${when}  ${r.runId.padEnd(28)} ${(r.outcome ?? 'running').padEnd(11)} ${String(r.rounds.length)}/${String(r.config.rounds)} rounds  ${r.config.learners} learners  ${r.config.strategy}  accuracy ${format(last?.evaluate?.['accuracy'])}${r.git?.commit !== undefined ? `  ${r.git.commit.slice(0, 8)}${r.git.dirtyFiles > 0 ? '+' : ''}` : ''}\n`,
    );
  }
  return 0;
}

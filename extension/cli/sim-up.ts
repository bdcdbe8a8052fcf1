import path from 'node:path';
import { imageReferenceProblem } from '../core/config/image-reference';
import { FlError } from '../core/errors';
import { toTextReport } from '../core/findings/format-findings';
import type { RunEvent } from '../core/runs/run-events';
import { latestMetric, type RunView } from '../core/runs/run-view';
import type { CliIo } from './cli-io';
import type { CliServices } from './cli-root';
import { endpointsText, fixed, oneDir, parseSimArgs, positiveInt, simUsage, simUsageError } from './sim-args';

/**
 * `flops sim up`: the run in the foreground, one line per round, over the same launcher and session
 * as the editor. Ctrl-C stops it; everything is removed at the end, whatever ended it.
 */

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
      return `round ${m.round}/${m.rounds}  loss ${fixed(m.evaluate?.['loss'])}  accuracy ${fixed(m.evaluate?.['accuracy'])}  (train ${m.nodes.train}, evaluate ${m.nodes.evaluate} learners${failed})${took}`;
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

export async function upCommand(args: string[], { out, err }: CliIo, services: CliServices): Promise<number> {
  const { values, positionals } = parseSimArgs({
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
  if (baseImageProblem !== undefined) throw simUsageError(baseImageProblem);
  const analyzer = services.analyzer();
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
    const launcher = services.simulationLauncher(analyzer);
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

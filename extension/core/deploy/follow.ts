import { FlError, isCancelled, messageOf, throwIfCancelled } from '../errors';
import type { Clock } from '../ports';
import { parseMetricsLine } from '../simulate/log-lines';
import type { DeployPlan } from './deploy-plan';
import type { DeployEvent, DeployOptions, DeployOutcome } from './deployer';
import type { DeploymentRecord } from './deployment-record';
import { hasStatus, type OakestraApi, type OakestraService } from './oakestra-api';
import { describeStatus, isSchedulingFailure } from './oakestra-status';

/** Following a deployment: Oakestra has no push channel, so this polls (oakestra-api.md §3.7, §5). */

export interface FollowOptions extends Pick<DeployOptions, 'detach' | 'signal' | 'onEvent' | 'pollMs' | 'stuckMs'> {
  readonly clock: Clock;
}

const defaultPollMs = 5000;
const defaultStuckMs = 15 * 60_000;

export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(new FlError('cancelled', 'Cancelled.'));
    const onAbort = (): void => {
      cancel();
      reject(new FlError('cancelled', 'Cancelled.'));
    };
    const cancel = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Polls the application's services until the run ends (the one-shot `run` service COMPLETES, or
 * fails), or, detached, until every instance runs. Each status change becomes a plain-words event;
 * negative scheduling results, instances stuck pending or failing longer than `stuckMs`, and
 * services that vanish end it as failed.
 */
export async function followDeployment(api: OakestraApi, plan: DeployPlan, record: DeploymentRecord, options: FollowOptions): Promise<{ outcome: Exclude<DeployOutcome, 'unchanged'>; message: string; services: OakestraService[] }> {
  const { clock } = options;
  const emit = (event: DeployEvent): void => options.onEvent?.(event);
  const pollMs = options.pollMs ?? defaultPollMs;
  const stuckMs = options.stuckMs ?? defaultStuckMs;
  const appId = record.application.id ?? '';
  const seen = new Map<string, string>();
  const since = new Map<string, number>();
  let lastRound = 0;
  let pollFailures = 0;
  emit({ type: 'step', text: options.detach === true ? 'Waiting until every instance runs' : 'Following the run until it ends (Ctrl-C stops watching; the deployment keeps running)' });
  for (;;) {
    throwIfCancelled(options.signal);
    let services: OakestraService[];
    try {
      services = await api.services(appId, options.signal);
      pollFailures = 0;
    } catch (error) {
      if (isCancelled(error)) throw error;
      if (hasStatus(error, 404)) return { outcome: 'failed', message: `The application ${record.application.name} disappeared from Oakestra while it was followed (deleted outside this tool?).`, services: [] };
      pollFailures++;
      if (pollFailures >= 5) throw error;
      emit({ type: 'warning', text: `Could not poll Oakestra (${messageOf(error)}); retrying (${pollFailures}/5). The data shown is stale.` });
      await sleep(clock, pollMs * 2 ** pollFailures, options.signal);
      continue;
    }
    const now = clock.now();
    for (const service of record.services) {
      const live = services.find((s) => s.id === service.id);
      if (live === undefined) return { outcome: 'failed', message: `The service ${service.name} (${service.id ?? '?'}) disappeared from Oakestra. Deploy again to re-create it.`, services };
      if (live.instances.length === 0) {
        const key = `${service.name}`;
        if (seen.get(key) !== live.status) {
          seen.set(key, live.status);
          since.set(key, now);
          emit({ type: 'state', service: service.name, status: live.status, text: `${service.name}: ${describeStatus(live.status).meaning}${live.detail !== '' ? ` (${live.detail})` : ''}` });
        }
        if (isSchedulingFailure(live.status)) {
          return { outcome: 'failed', message: `${service.name} cannot be scheduled: ${live.status} — ${describeStatus(live.status).meaning}${live.detail !== '' ? ` (${live.detail})` : ''}. Lower its memory/CPU in flops.json or free capacity; "flops undeploy" removes the deployment.`, services };
        }
        if (now - (since.get(key) ?? now) > stuckMs) return { outcome: 'failed', message: `${service.name} has no instance after ${Math.round(stuckMs / 60_000)} min (status ${live.status}: ${describeStatus(live.status).meaning}).`, services };
        continue;
      }
      for (const instance of live.instances) {
        const key = `${service.name}#${instance.number}`;
        if (seen.get(key) !== instance.status) {
          seen.set(key, instance.status);
          since.set(key, now);
          const meaning = describeStatus(instance.status);
          emit({ type: 'state', service: service.name, instance: instance.number, status: instance.status, text: `${service.name} #${instance.number}: ${meaning.meaning}${instance.detail !== '' ? ` (${instance.detail})` : ''}${instance.status === 'RUNNING' && instance.publicIp !== '' ? ` on ${instance.publicIp}` : ''}` });
        }
        const phase = describeStatus(instance.status).phase;
        const stuckFor = now - (since.get(key) ?? now);
        if ((phase === 'pending' || phase === 'error' || phase === 'restarting') && stuckFor > stuckMs) {
          const hint =
            instance.status === 'NODE_SCHEDULED'
              ? ` The worker may be unable to pull ${plan.image.remote}: check that it reaches the registry (and trusts it, or lists it under insecure-registries).`
              : phase === 'error' || phase === 'restarting'
                ? ` Its log ends: ${instance.logs.trim().split('\n').slice(-3).join(' | ') || '(empty)'}`
                : '';
          return { outcome: 'failed', message: `${service.name} #${instance.number} has been ${instance.status} for ${Math.round(stuckFor / 60_000)} min: ${describeStatus(instance.status).meaning}${instance.detail !== '' ? ` (${instance.detail})` : ''}.${hint}`, services };
        }
      }
      if (service.role === 'starter') {
        for (const line of (live.instances[0]?.logs ?? '').split('\n')) {
          const parsed = parseMetricsLine(line);
          if (parsed.kind === 'metrics' && parsed.metrics.round > lastRound) {
            lastRound = parsed.metrics.round;
            const loss = parsed.metrics.evaluate?.['loss'] ?? parsed.metrics.train?.['loss'];
            emit({ type: 'round', round: parsed.metrics.round, rounds: parsed.metrics.rounds, text: `round ${parsed.metrics.round}/${parsed.metrics.rounds} finished${typeof loss === 'number' ? ` (loss ${loss.toPrecision(4)})` : ''}` });
          }
        }
      }
    }
    const starter = record.services.find((s) => s.role === 'starter');
    const starterInstance = services.find((s) => s.id === starter?.id)?.instances[0];
    const longRunning = record.services.filter((s) => s.role !== 'starter');
    const allRunning = longRunning.every((s) => {
      const instances = services.find((l) => l.id === s.id)?.instances ?? [];
      return instances.length > 0 && instances.every((i) => i.status === 'RUNNING');
    });
    if (starterInstance !== undefined && (starterInstance.status === 'FAILED' || starterInstance.status === 'DEAD') && options.detach !== true) {
      const tail = starterInstance.logs.trim().split('\n').slice(-5).join('\n  ');
      return { outcome: 'failed', message: `The Flower run failed (the run service is ${starterInstance.status}${starterInstance.detail !== '' ? `: ${starterInstance.detail}` : ''}). Its log ends:\n  ${tail || '(empty)'}`, services };
    }
    if (starterInstance?.status === 'COMPLETED' && options.detach !== true) {
      return { outcome: 'finished', message: `The Flower run finished${lastRound > 0 ? ` after ${lastRound} rounds` : ''}. The aggregator and learners keep running until "flops undeploy".`, services };
    }
    if (options.detach === true && allRunning && (starterInstance === undefined || starterInstance.status === 'RUNNING' || starterInstance.status === 'COMPLETED')) {
      return { outcome: 'running', message: `Every instance runs (${longRunning.length} services). "flops deployments" shows their state, "flops undeploy" removes them.`, services };
    }
    if (starter === undefined && allRunning) {
      return { outcome: 'running', message: `Every instance runs; this SLA has no "run" service, so the Flower run is not followed.`, services };
    }
    await sleep(clock, pollMs, options.signal);
  }
}

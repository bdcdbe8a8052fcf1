import type { OakestraInstance, OakestraService } from './oakestra-api';

/**
 * Oakestra's scheduling states in plain words (oakestra-api.md §6), for the CLI, the sidebar and the
 * deploy log. Statuses are open strings: legacy names and numbers ("0", "1", 1) still occur, and an
 * unknown value is shown raw, never a crash.
 */

export type StatusPhase = 'pending' | 'healthy' | 'done' | 'restarting' | 'error' | 'stopped' | 'unknown';

export interface StatusMeaning {
  readonly phase: StatusPhase;
  /** What to tell the user. */
  readonly meaning: string;
  /** A codicon id for the tree. */
  readonly icon: string;
}

const pending = (meaning: string, icon: string): StatusMeaning => ({ phase: 'pending', meaning, icon });
const schedulingError = (meaning: string): StatusMeaning => ({ phase: 'error', meaning, icon: 'error' });

const known: Readonly<Record<string, StatusMeaning>> = {
  REQUESTED: pending('waiting for the root scheduler', 'clock'),
  CLUSTER_SCHEDULED: pending('a cluster was chosen', 'server-environment'),
  NODE_SCHEDULED: pending('a worker was chosen; pulling the image may take minutes', 'cloud-download'),
  INSTANTIATION: pending('the worker acknowledged and is instantiating it', 'loading'),
  CREATING: pending('the container is being created', 'tools'),
  CREATED: pending('the container was created', 'tools'),
  RUNNING: { phase: 'healthy', meaning: 'running', icon: 'pass-filled' },
  COMPLETED: { phase: 'done', meaning: 'finished (exited 0, not restarted)', icon: 'check-all' },
  DEAD: { phase: 'restarting', meaning: 'exited on its own; the cluster redeploys it', icon: 'debug-restart' },
  FAILED: { phase: 'error', meaning: 'failed (non-zero exit or lost heartbeat); the cluster redeploys it', icon: 'error' },
  UNDEPLOYED: { phase: 'stopped', meaning: 'removed', icon: 'circle-slash' },
  NoActiveClusterWithCapacity: schedulingError('no active cluster has the memory, CPU, runtime or storage driver it asks for; no instance exists'),
  TargetClusterNotActive: schedulingError('the target cluster is not active (it has not reported within 30 s); no instance exists'),
  TargetClusterNotFound: schedulingError('the target cluster named in its constraints does not exist; no instance exists'),
  TargetClusterNoCapacity: schedulingError('the target cluster lacks the memory or CPU it asks for; no instance exists'),
  NO_WORKER_CAPACITY: schedulingError('the cluster has no worker with enough capacity (retried)'),
  NO_QUALIFIED_WORKER_FOUND: schedulingError('the cluster has no worker that qualifies (runtime, addons; retried)'),
  NO_NODE_FOUND: schedulingError('the cluster found no worker for it (retried)'),
};

export function describeStatus(status: string): StatusMeaning {
  return Object.hasOwn(known, status) ? (known[status] as StatusMeaning) : { phase: 'unknown', meaning: `status "${status}" (not a documented Oakestra state)`, icon: 'question' };
}

/** Whether a job-level status is a negative scheduling result (no instance will appear). */
export function isSchedulingFailure(status: string): boolean {
  return /^(NoActiveClusterWithCapacity|TargetCluster\w+|NO_WORKER_CAPACITY|NO_QUALIFIED_WORKER_FOUND|NO_NODE_FOUND)$/.test(status);
}

/** "k/n running" like the oak CLI; one-shot services count COMPLETED instances as done. */
export function runningSummary(instances: readonly OakestraInstance[]): string {
  const running = instances.filter((i) => i.status === 'RUNNING').length;
  const completed = instances.filter((i) => i.status === 'COMPLETED').length;
  return `${running}/${instances.length} running${completed > 0 ? `, ${completed} completed` : ''}`;
}

/** One line for a service: its job status, or its instances' when it has some. */
export function serviceLine(service: OakestraService): string {
  if (service.instances.length === 0) {
    const meaning = describeStatus(service.status);
    return `${service.name}: ${service.status} (${meaning.meaning})${service.detail !== '' ? ` — ${service.detail}` : ''}`;
  }
  return `${service.name}: ${runningSummary(service.instances)}`;
}

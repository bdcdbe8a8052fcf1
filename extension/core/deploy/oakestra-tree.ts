import type { IconSpec, TreeNodeShape } from '../runs/monitor-model';
import type { DeploymentRecord } from './deployment-record';
import type { OakestraCluster, OakestraInstance, OakestraService } from './oakestra-api';
import { describeStatus, runningSummary, type StatusPhase } from './oakestra-status';

/**
 * The "Oakestra" view as data (targets → deployments → services → instances, and each target's
 * clusters), pure so every label, icon and context value is tested without VS Code; the ui turns the
 * nodes into TreeItems one to one (ui/oakestra/oakestra-tree.ts).
 *
 * Context values for package.json's menus: `flops.oak.target[.locked]` (locked: no password stored),
 * `flops.oak.deployment[.mlflow]` (mlflow: FLOps gave a tracking server), `flops.oak.service.learner|other`, `flops.oak.instance`, `flops.oak.cluster`,
 * `flops.oak.note`.
 */

export interface OakNode extends TreeNodeShape {
  readonly children: readonly OakNode[];
  /** What commands invoked on the node need. */
  readonly ref?: { readonly target: string; readonly repo?: string; readonly serviceId?: string; readonly instance?: number; readonly trackingUrl?: string };
}

/** What the monitor knows of one deployment of a repository to a target. */
export interface DeploymentState {
  readonly repo: string;
  readonly record: DeploymentRecord;
  /** Live services; undefined before the first poll, or when the application is gone (`gone`). */
  readonly services?: readonly OakestraService[];
  readonly gone?: boolean;
}

export interface TargetState {
  readonly name: string;
  readonly url: string;
  readonly username: string;
  /** No password in SecretStorage yet: nothing is polled. */
  readonly locked: boolean;
  readonly clusters?: readonly OakestraCluster[];
  readonly deployments: readonly DeploymentState[];
  /** Milliseconds since the epoch of the last successful poll. */
  readonly updatedAt?: number;
  /** Why the last poll failed (the data shown is then stale). */
  readonly error?: string;
  /** Polling is paused (the view is hidden). */
  readonly paused?: boolean;
}

const phaseColor: Record<StatusPhase, string | undefined> = {
  pending: 'charts.yellow',
  healthy: 'testing.iconPassed',
  done: 'charts.blue',
  restarting: 'charts.orange',
  error: 'testing.iconFailed',
  stopped: 'disabledForeground',
  unknown: undefined,
};

function statusIcon(status: string): IconSpec {
  const meaning = describeStatus(status);
  const color = phaseColor[meaning.phase];
  return { id: meaning.phase === 'pending' ? 'sync~spin' : meaning.icon, ...(color !== undefined ? { color } : {}) };
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

function note(id: string, label: string, tooltip?: string, icon?: IconSpec): OakNode {
  return { id, label, contextValue: 'flops.oak.note', expand: 'none', children: [], ...(tooltip !== undefined ? { tooltip } : {}), ...(icon !== undefined ? { icon } : {}) };
}

function instanceNode(target: string, repo: string, service: OakestraService, instance: OakestraInstance, parent: string): OakNode {
  const meaning = describeStatus(instance.status);
  const usage = [instance.cpuPercent !== undefined ? `CPU ${instance.cpuPercent}%` : undefined, instance.memoryPercent !== undefined ? `memory ${instance.memoryPercent}%` : undefined].filter((x) => x !== undefined).join(', ');
  const logTail = instance.logs.trim().split('\n').slice(-8).join('\n');
  return {
    id: `${parent}/i${instance.number}`,
    label: `#${instance.number} ${instance.status}`,
    // The reason first when something is wrong: it is what the user needs to see without hovering.
    description: [meaning.phase === 'error' || meaning.phase === 'restarting' ? instance.detail : undefined, instance.publicIp, instance.clusterId !== '' ? `cluster ${instance.clusterId.slice(0, 8)}` : undefined].filter((x) => x !== undefined && x !== '').join(' · '),
    tooltip: [`${service.name} #${instance.number}: ${meaning.meaning}`, instance.detail !== '' ? `detail: ${instance.detail}` : undefined, instance.publicIp !== '' ? `worker ${instance.publicIp}` : undefined, instance.clusterId !== '' ? `cluster ${instance.clusterId}` : undefined, usage !== '' ? usage : undefined, logTail !== '' ? `log (last 1 KiB, refreshed about every 15 s):\n${logTail}` : 'no log yet'].filter((x) => x !== undefined).join('\n'),
    icon: statusIcon(instance.status),
    contextValue: 'flops.oak.instance',
    expand: 'none',
    children: [],
    ref: { target, repo, serviceId: service.id, instance: instance.number },
  };
}

function serviceNode(target: string, deployment: DeploymentState, service: OakestraService, parent: string): OakNode {
  const id = `${parent}/s${service.id}`;
  const role = deployment.record.services.find((s) => s.id === service.id)?.role;
  const meaning = describeStatus(service.status);
  const noInstance = service.instances.length === 0;
  return {
    id,
    label: service.name,
    description: noInstance ? `${service.status}` : runningSummary(service.instances),
    tooltip: noInstance ? `${service.name}: ${meaning.meaning}${service.detail !== '' ? `\n${service.detail}` : ''}` : `${service.name} (${role ?? 'service'}): ${runningSummary(service.instances)}\nimage ${service.image}`,
    icon: noInstance ? statusIcon(service.status) : service.instances.every((i) => i.status === 'RUNNING' || i.status === 'COMPLETED') ? { id: 'pass', color: 'testing.iconPassed' } : statusIcon(service.instances.find((i) => i.status !== 'RUNNING')?.status ?? service.status),
    contextValue: role === 'learner' ? 'flops.oak.service.learner' : 'flops.oak.service.other',
    expand: service.instances.length > 0 ? 'expanded' : 'none',
    children: service.instances.map((i) => instanceNode(target, deployment.repo, service, i, id)),
    ref: { target, repo: deployment.repo, serviceId: service.id },
  };
}

function deploymentNode(target: string, deployment: DeploymentState, stale: boolean): OakNode {
  const { record } = deployment;
  const id = `t:${target}/d:${deployment.repo}`;
  const services = (deployment.services ?? []).filter((s) => record.services.some((r) => r.id === s.id));
  const instances = services.flatMap((s) => s.instances);
  const children: OakNode[] = deployment.gone === true ? [note(`${id}/gone`, 'The application no longer exists on Oakestra', 'Undeploy clears the record; Deploy creates it again.', { id: 'warning', color: 'problemsWarningIcon.foreground' })] : deployment.services === undefined ? [note(`${id}/loading`, 'Loading…')] : services.map((s) => serviceNode(target, deployment, s, id));
  const repoName = deployment.repo.split(/[\\/]/).pop() ?? deployment.repo;
  return {
    id,
    label: `${repoName} → ${record.application.name}`,
    description: `${deployment.services === undefined ? record.state : runningSummary(instances)}${record.outcome !== undefined ? ` · ${record.outcome}` : ''}${stale ? ' · stale' : ''}`,
    tooltip: `${deployment.repo}${record.mode === 'flops-addon' ? '\nFLOps add-on project (FLOps builds and deploys it as Admin)' : ''}${record.trackingUrl !== undefined ? `\nMLflow ${record.trackingUrl}` : ''}\napplication ${record.application.name}.${record.application.namespace} (${record.application.id ?? 'not created'})\nimage ${record.image.remote}${record.image.digest !== undefined ? `\ndigest ${record.image.digest}` : ''}${record.message !== undefined ? `\n${record.message}` : ''}`,
    icon: deployment.gone === true ? { id: 'warning', color: 'problemsWarningIcon.foreground' } : record.state === 'creating' ? { id: 'warning', color: 'problemsWarningIcon.foreground' } : { id: 'rocket' },
    contextValue: record.trackingUrl !== undefined ? 'flops.oak.deployment.mlflow' : 'flops.oak.deployment',
    expand: 'expanded',
    children,
    ref: { target, repo: deployment.repo, ...(record.trackingUrl !== undefined ? { trackingUrl: record.trackingUrl } : {}) },
  };
}

function clustersNode(target: TargetState): OakNode {
  const id = `t:${target.name}/clusters`;
  const clusters = target.clusters ?? [];
  return {
    id,
    label: 'Clusters',
    description: target.clusters === undefined ? '' : `${clusters.filter((c) => c.active).length} active`,
    contextValue: 'flops.oak.note',
    // A few clusters are worth seeing at once; many stay folded.
    expand: clusters.length > 0 && clusters.length <= 3 ? 'expanded' : 'collapsed',
    icon: { id: 'server-environment' },
    children: clusters.map((c) => ({
      id: `${id}/${c.id}`,
      label: c.name,
      description: `${c.active ? '' : 'inactive · '}${c.memoryMb} MB free · ${c.vcpus} CPU${c.cpuPercent !== undefined ? ` · ${c.cpuPercent}% busy` : ''}`,
      tooltip: `${c.name} (${c.id})\n${c.active ? 'active' : 'inactive: no report within 30 s'}\n${c.activeNodes} worker(s), ${c.vcpus} cores, ${c.memoryMb} MB available\nruntimes: ${c.virtualization.join(', ') || 'none reported'}\naddons: ${c.addons.join(', ') || 'none'}`,
      icon: c.active ? { id: 'vm-running', color: 'testing.iconPassed' } : { id: 'vm-outline', color: 'disabledForeground' },
      contextValue: 'flops.oak.cluster',
      expand: 'none' as const,
      children: [],
    })),
  };
}

export function buildOakestraTree(targets: readonly TargetState[], now: number): OakNode[] {
  return targets.map((target): OakNode => {
    const id = `t:${target.name}`;
    // Stale: the last poll failed, or data older than three polls of 15 s.
    const stale = target.error !== undefined || (target.updatedAt !== undefined && now - target.updatedAt > 45_000);
    const children: OakNode[] = [];
    if (target.locked) children.push(note(`${id}/locked`, 'Set the password to connect', 'FLOps: Set Oakestra Password stores it in VS Code\'s secret storage.', { id: 'lock' }));
    if (target.error !== undefined) children.push(note(`${id}/error`, target.error, `${target.error}${target.updatedAt !== undefined ? `\nThe data below is from ${ago(now - target.updatedAt)}.` : ''}`, { id: 'error', color: 'testing.iconFailed' }));
    if (!target.locked) children.push(clustersNode(target));
    for (const d of target.deployments) children.push(deploymentNode(target.name, d, stale));
    if (target.deployments.length === 0 && !target.locked) children.push(note(`${id}/none`, 'No deployments yet', 'FLOps: Deploy to Oakestra deploys a repository of this workspace.'));
    const updated = target.paused === true ? 'paused while hidden' : target.updatedAt !== undefined ? `updated ${ago(now - target.updatedAt)}` : target.locked ? 'locked' : 'connecting…';
    return {
      id,
      label: target.name,
      description: `${target.url} · ${target.username} · ${stale && target.updatedAt !== undefined ? `stale, ${updated}` : updated}`,
      tooltip: `${target.url} as ${target.username}${target.url.startsWith('http://') ? '\nPlain HTTP: credentials and tokens cross the network unencrypted.' : ''}`,
      icon: target.locked ? { id: 'lock' } : target.error !== undefined ? { id: 'debug-disconnect', color: 'testing.iconFailed' } : { id: 'cloud' },
      contextValue: target.locked ? 'flops.oak.target.locked' : 'flops.oak.target',
      expand: 'expanded',
      children,
      ref: { target: target.name },
    };
  });
}

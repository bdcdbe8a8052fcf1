import { messageOf } from '../errors';
import type { Clock, Logger } from '../ports';
import type { DeploymentStorePort } from './deployer';
import type { OakestraApi, OakestraTarget } from './oakestra-api';
import { liveServices } from './removal';
import type { DeploymentState, TargetState } from './oakestra-tree';

/**
 * What the "Oakestra" view shows, kept up to date by polling (Oakestra has no push channel): for each
 * target, its clusters and the live services of every deployment recorded in the workspace's
 * repositories. One request per target for the clusters and one per deployment for all its services
 * and instances. Polls every `intervalMs` while the view is visible, backs off (doubling up to 60 s)
 * while a target fails, and stops while the view is hidden; failed data stays, marked stale.
 */

export interface MonitorTarget extends OakestraTarget {
  readonly name: string;
  readonly flopsUrl?: string;
}

export interface OakestraMonitorPorts {
  /** The configured targets (settings). Targets only found in deployment records are added. */
  targets(): readonly MonitorTarget[];
  /** The workspace's repositories (absolute paths). */
  repos(): readonly string[];
  readonly records: Pick<DeploymentStorePort, 'list'>;
  /** A logged-in client for the target, or undefined when no password is stored (the target is locked). */
  client(target: MonitorTarget): Promise<OakestraApi | undefined>;
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly intervalMs?: number;
}

const maxBackoffMs = 60_000;

/** Instance logs are 1 KiB windows: the monitor keeps what it saw of each, appending what is new. */
export function mergeLogWindow(kept: string, window: string): string {
  if (window === '' || kept.endsWith(window)) return kept;
  // The longest suffix of what we kept that starts the new window: the rest of the window is new.
  for (let overlap = Math.min(kept.length, window.length); overlap > 0; overlap--) {
    if (kept.endsWith(window.slice(0, overlap))) return (kept + window.slice(overlap)).slice(-256 * 1024);
  }
  return `${kept}${kept === '' ? '' : '\n[… lines between two polls may be missing …]\n'}${window}`.slice(-256 * 1024);
}

export class OakestraMonitor {
  private states = new Map<string, TargetState>();
  private readonly listeners = new Set<() => void>();
  private readonly timers = new Map<string, () => void>();
  private readonly failures = new Map<string, number>();
  private readonly logs = new Map<string, string>();
  private visible = false;
  private disposed = false;

  constructor(private readonly ports: OakestraMonitorPorts) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  /** The view's data, in target order. */
  state(): TargetState[] {
    return [...this.states.values()];
  }

  /** Everything seen of an instance's output (successive 1 KiB windows, merged). */
  log(target: string, serviceId: string, instance: number): string {
    return this.logs.get(`${target}/${serviceId}/${instance}`) ?? '';
  }

  /** Starts polling when the view shows, stops when it hides. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) void this.refresh();
    else {
      for (const cancel of this.timers.values()) cancel();
      this.timers.clear();
      for (const [name, state] of this.states) this.states.set(name, { ...state, paused: true });
      this.changed();
    }
  }

  /** Polls every target now (and schedules the next polls while visible). */
  async refresh(): Promise<void> {
    const targets = await this.targets();
    const names = new Set(targets.map((t) => t.target.name));
    for (const name of [...this.states.keys()]) if (!names.has(name)) this.states.delete(name);
    await Promise.all(targets.map((t) => this.poll(t.target, t.deployments)));
  }

  /** Configured targets plus those only known from records, with the records of each. */
  private async targets(): Promise<{ target: MonitorTarget; deployments: { repo: string; record: DeploymentState['record'] }[] }[]> {
    const byName = new Map<string, { target: MonitorTarget; deployments: { repo: string; record: DeploymentState['record'] }[] }>();
    for (const target of this.ports.targets()) byName.set(target.name, { target, deployments: [] });
    for (const repo of this.ports.repos()) {
      let records;
      try {
        records = await this.ports.records.list(repo);
      } catch (error) {
        this.ports.logger?.warn(`[oakestra] cannot read the deployment records of ${repo}: ${messageOf(error)}`);
        continue;
      }
      for (const entry of records) {
        if (entry.read.kind !== 'record') {
          this.ports.logger?.warn(`[oakestra] skipped the deployment record ${entry.target} of ${repo}: ${entry.read.problem}`);
          continue;
        }
        const record = entry.read.record;
        const known = byName.get(record.target.name) ?? { target: { name: record.target.name, url: record.target.url, username: record.target.username, ...(record.target.organization !== undefined ? { organization: record.target.organization } : {}) }, deployments: [] };
        known.deployments.push({ repo, record });
        byName.set(record.target.name, known);
      }
    }
    return [...byName.values()];
  }

  private async poll(target: MonitorTarget, deployments: readonly { repo: string; record: DeploymentState['record'] }[]): Promise<void> {
    if (this.disposed) return;
    this.timers.get(target.name)?.();
    this.timers.delete(target.name);
    const previous = this.states.get(target.name);
    const base: TargetState = {
      name: target.name,
      url: target.url,
      username: target.username,
      locked: false,
      deployments: deployments.map((d) => {
        const before = previous?.deployments.find((p) => p.repo === d.repo);
        return { repo: d.repo, record: d.record, ...(before?.services !== undefined ? { services: before.services } : {}), ...(before?.gone === true ? { gone: true } : {}) };
      }),
      ...(previous?.clusters !== undefined ? { clusters: previous.clusters } : {}),
      ...(previous?.updatedAt !== undefined ? { updatedAt: previous.updatedAt } : {}),
    };
    let client: OakestraApi | undefined;
    try {
      client = await this.ports.client(target);
    } catch (error) {
      this.states.set(target.name, { ...base, error: messageOf(error) });
      this.changed();
      return;
    }
    if (client === undefined) {
      this.states.set(target.name, { ...base, locked: true });
      this.changed();
      return;
    }
    try {
      const clusters = await client.clusters(false);
      const next: DeploymentState[] = [];
      for (const d of base.deployments) {
        const appId = d.record.application.id;
        if (appId === undefined) {
          next.push({ repo: d.repo, record: d.record });
          continue;
        }
        const services = await liveServices(client, appId);
        if (services === undefined) {
          next.push({ repo: d.repo, record: d.record, services: [], gone: true });
          continue;
        }
        for (const service of services) for (const instance of service.instances) {
          const key = `${target.name}/${service.id}/${instance.number}`;
          this.logs.set(key, mergeLogWindow(this.logs.get(key) ?? '', instance.logs));
        }
        next.push({ repo: d.repo, record: d.record, services });
      }
      this.failures.delete(target.name);
      this.states.set(target.name, { ...base, clusters, deployments: next, updatedAt: this.ports.clock.now() });
    } catch (error) {
      this.failures.set(target.name, (this.failures.get(target.name) ?? 0) + 1);
      this.states.set(target.name, { ...base, error: messageOf(error) });
    }
    this.changed();
    if (this.visible && !this.disposed) {
      const failures = this.failures.get(target.name) ?? 0;
      const delay = Math.min(maxBackoffMs, (this.ports.intervalMs ?? 5000) * 2 ** failures);
      this.timers.set(
        target.name,
        this.ports.clock.setTimer(delay, () => {
          this.timers.delete(target.name);
          void this.refreshTarget(target.name);
        }),
      );
    }
  }

  private async refreshTarget(name: string): Promise<void> {
    const target = (await this.targets()).find((t) => t.target.name === name);
    if (target !== undefined) await this.poll(target.target, target.deployments);
  }

  dispose(): void {
    this.disposed = true;
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    this.listeners.clear();
  }
}

import { FlError } from '../../../extension/core/errors';
import type {
  BuildProgress,
  ContainerEvent,
  ContainerInfo,
  ContainerRuntime,
  ContainerSpec,
  ImageBuildRequest,
  RemovalReport,
  ResourceSample,
} from '../../../extension/core/ports';

interface FakeContainer {
  readonly spec: ContainerSpec;
  status: ContainerInfo['status'];
  exitCode: number | undefined;
  oomKilled: boolean;
  readonly logSinks: Set<(line: string, stream: 'stdout' | 'stderr') => void>;
  readonly resourceSinks: Set<(sample: ResourceSample) => void>;
  readonly waiters: Set<{ resolve: (v: { exitCode: number; oomKilled: boolean }) => void; reject: (e: Error) => void }>;
}

/**
 * A ContainerRuntime without an engine: containers are records, and the test plays the engine's part
 * by printing lines into a container's log (`print`), sampling resources (`sample`) and ending a
 * container (`exit`). pause/unpause/kill/restart answer with the events Docker would send. Everything
 * it was asked is kept in `calls`, so tests can check what a session did and that it removed it all.
 */
export class FakeContainerRuntime implements ContainerRuntime {
  readonly calls: string[] = [];
  readonly containers = new Map<string, FakeContainer>();
  /** Image tags the engine already has. */
  readonly images = new Set<string>();
  /** Build steps `buildImage` reports, in order. */
  buildSteps: readonly string[] = ['FROM flops-test/base', 'RUN pip install -r requirements.txt'];
  /** When set, `ping` rejects as io/docker-runtime.ts does when no engine answers. */
  engineDown = false;
  /** When set, `buildImage` fails after its first step with this message. */
  buildFailure: string | undefined;
  private readonly eventSinks = new Set<(event: ContainerEvent) => void>();

  ping(): Promise<string> {
    this.calls.push('ping');
    if (this.engineDown) return Promise.reject(new FlError('dockerUnavailable', 'Docker is not running (fake engine down).'));
    return Promise.resolve('20.10.24-fake');
  }

  imageExists(tag: string): Promise<boolean> {
    return Promise.resolve(this.images.has(tag));
  }

  buildImage(request: ImageBuildRequest, options: { readonly signal?: AbortSignal; readonly onProgress?: (progress: BuildProgress) => void }): Promise<void> {
    this.calls.push(`build ${request.tag}`);
    for (const [i, instruction] of this.buildSteps.entries()) {
      options.onProgress?.({ line: `Step ${i + 1}/${this.buildSteps.length} : ${instruction}`, step: { index: i + 1, total: this.buildSteps.length, instruction } });
      if (this.buildFailure !== undefined) return Promise.reject(new Error(this.buildFailure));
    }
    this.images.add(request.tag);
    return Promise.resolve();
  }

  createNetwork(name: string): Promise<void> {
    this.calls.push(`network ${name}`);
    return Promise.resolve();
  }

  createVolume(name: string): Promise<void> {
    this.calls.push(`volume ${name}`);
    return Promise.resolve();
  }

  startContainer(spec: ContainerSpec): Promise<void> {
    this.calls.push(`start ${spec.name}`);
    this.containers.set(spec.name, { spec, status: 'running', exitCode: undefined, oomKilled: false, logSinks: new Set(), resourceSinks: new Set(), waiters: new Set() });
    return Promise.resolve();
  }

  stopContainer(name: string): Promise<void> {
    this.exit(name, 0);
    return Promise.resolve();
  }

  killContainer(name: string): Promise<void> {
    this.calls.push(`kill ${name}`);
    this.exit(name, 137);
    return Promise.resolve();
  }

  pauseContainer(name: string): Promise<void> {
    this.calls.push(`pause ${name}`);
    this.container(name).status = 'paused';
    this.emit(name, 'pause');
    return Promise.resolve();
  }

  unpauseContainer(name: string): Promise<void> {
    this.calls.push(`unpause ${name}`);
    this.container(name).status = 'running';
    this.emit(name, 'unpause');
    return Promise.resolve();
  }

  restartContainer(name: string): Promise<void> {
    this.calls.push(`restart ${name}`);
    const c = this.container(name);
    c.status = 'running';
    c.exitCode = undefined;
    this.emit(name, 'start');
    return Promise.resolve();
  }

  inspectContainer(name: string): Promise<ContainerInfo | undefined> {
    const c = this.containers.get(name);
    if (c === undefined) return Promise.resolve(undefined);
    return Promise.resolve({ name, labels: c.spec.labels, status: c.status, ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}), oomKilled: c.oomKilled });
  }

  waitContainer(name: string, signal?: AbortSignal): Promise<{ readonly exitCode: number; readonly oomKilled: boolean }> {
    const c = this.containers.get(name);
    if (c === undefined) return Promise.reject(new Error(`no such container: ${name}`));
    if (c.status === 'exited') return Promise.resolve({ exitCode: c.exitCode ?? 0, oomKilled: c.oomKilled });
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      c.waiters.add(waiter);
      signal?.addEventListener('abort', () => {
        c.waiters.delete(waiter);
        reject(new Error('aborted'));
      }, { once: true });
    });
  }

  listContainers(): Promise<ContainerInfo[]> {
    return Promise.resolve([...this.containers.values()].map((c) => ({ name: c.spec.name, labels: c.spec.labels, status: c.status })));
  }

  readLogs(name: string, options: { readonly follow: boolean; readonly signal?: AbortSignal }, onLine: (line: string, stream: 'stdout' | 'stderr') => void): Promise<void> {
    const c = this.containers.get(name);
    if (c === undefined || !options.follow) return Promise.resolve();
    c.logSinks.add(onLine);
    return untilAborted(options.signal).finally(() => c.logSinks.delete(onLine));
  }

  watchEvents(_labels: Readonly<Record<string, string>>, signal: AbortSignal, onEvent: (event: ContainerEvent) => void): Promise<void> {
    this.eventSinks.add(onEvent);
    return untilAborted(signal).finally(() => this.eventSinks.delete(onEvent));
  }

  watchResources(name: string, signal: AbortSignal, onSample: (sample: ResourceSample) => void): Promise<void> {
    const c = this.containers.get(name);
    if (c === undefined) return Promise.resolve();
    c.resourceSinks.add(onSample);
    return untilAborted(signal).finally(() => c.resourceSinks.delete(onSample));
  }

  removeLabelled(labels: Readonly<Record<string, string>>): Promise<RemovalReport> {
    const removed: string[] = [];
    for (const [name, c] of this.containers) {
      if (!Object.entries(labels).every(([k, v]) => c.spec.labels[k] === v)) continue;
      for (const waiter of c.waiters) waiter.reject(new Error(`container ${name} was removed`));
      this.containers.delete(name);
      removed.push(name);
    }
    this.calls.push(`remove ${removed.join(' ')}`);
    return Promise.resolve({ containers: removed, networks: [], volumes: [], failures: [] });
  }

  /** The container prints lines (the session follows every running container's log). */
  print(name: string, ...lines: string[]): void {
    const c = this.container(name);
    for (const line of lines) for (const sink of c.logSinks) sink(line, 'stdout');
  }

  sample(name: string, cpuPercent: number, memoryMb: number): void {
    for (const sink of this.container(name).resourceSinks) sink({ name, cpuPercent, memoryMb });
  }

  /** The container's process ends with `exitCode`: waiters resolve and a `die` event goes out. */
  exit(name: string, exitCode: number): void {
    const c = this.containers.get(name);
    if (c === undefined || c.status === 'exited') return;
    c.status = 'exited';
    c.exitCode = exitCode;
    for (const waiter of c.waiters) waiter.resolve({ exitCode, oomKilled: c.oomKilled });
    c.waiters.clear();
    this.emit(name, 'die', exitCode);
  }

  private container(name: string): FakeContainer {
    const c = this.containers.get(name);
    if (c === undefined) throw new Error(`no such container: ${name}`);
    return c;
  }

  private emit(name: string, action: string, exitCode?: number): void {
    const c = this.container(name);
    const event: ContainerEvent = { name, labels: c.spec.labels, action, ...(exitCode !== undefined ? { exitCode } : {}), time: Date.now() };
    for (const sink of this.eventSinks) sink(event);
  }
}

function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal === undefined) return;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

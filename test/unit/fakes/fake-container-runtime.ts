import { setMaxListeners } from 'node:events';
import { FlError } from '../../../extension/core/errors';
import type {
  BuildProgress,
  ContainerEvent,
  ContainerInfo,
  ContainerRuntime,
  ContainerSpec,
  ImageBuildRequest,
  RegistryAuth,
  RemovalReport,
  ResourceSample,
} from '../../../extension/core/ports';

/**
 * A fake container engine for unit tests of the simulation session: containers are records, logs and
 * exits are scripted by the test through `onStart` and the control methods. It honours the port's
 * contract (events for start/die/pause, follow-logs ending when a container stops, `wait` resolving on
 * exit and rejecting on removal, label-based removal); the real engine is exercised in test/docker.
 */

interface FakeContainer {
  readonly spec: ContainerSpec;
  status: ContainerInfo['status'];
  exitCode?: number;
  oomKilled: boolean;
  readonly lines: { line: string; stream: 'stdout' | 'stderr' }[];
  readonly logListeners: Set<(line: string, stream: 'stdout' | 'stderr') => void>;
  readonly stopListeners: Set<() => void>;
  readonly resourceListeners: Set<(sample: ResourceSample) => void>;
  readonly waiters: Set<{ resolve: (v: { exitCode: number; oomKilled: boolean }) => void; reject: (e: Error) => void }>;
}

export class FakeContainerRuntime implements ContainerRuntime {
  readonly images = new Set<string>();
  readonly builds: ImageBuildRequest[] = [];
  /** Labels of the images `buildImage` made, by tag. */
  readonly imageLabels = new Map<string, Readonly<Record<string, string>>>();
  readonly containers = new Map<string, FakeContainer>();
  readonly networks = new Map<string, Readonly<Record<string, string>>>();
  readonly volumes = new Map<string, Readonly<Record<string, string>>>();
  readonly calls: string[] = [];
  /** Called after a container starts; scripts what it does. */
  onStart: (spec: ContainerSpec, runtime: FakeContainerRuntime) => void = () => undefined;
  pingError: Error | undefined;
  /** When it returns an error for a spec, starting that container fails with it (nothing is created). */
  startError: (spec: ContainerSpec) => Error | undefined = () => undefined;
  buildError: Error | undefined;
  /** Pushed references with the auth they were pushed with; `pushError` makes pushes fail. */
  readonly pushes: { reference: string; auth?: RegistryAuth }[] = [];
  pushError: Error | undefined;
  /** Build steps `buildImage` reports, in order; with `buildError` set it fails after the first. */
  buildSteps: readonly string[] = ['FROM flops-test/base', 'RUN pip install -r requirements.txt'];
  /** While true, `removeLabelled` waits until `hangRemoval` is set false again (an engine that never confirms). */
  private hanging = false;
  private readonly hungRemovals: (() => void)[] = [];
  private readonly eventListeners = new Set<(event: ContainerEvent) => void>();
  private clock = 0;

  // ---- scripting ----

  /** Whether `ping` rejects as io/docker/runtime.ts does when no engine answers. */
  get engineDown(): boolean {
    return this.pingError !== undefined;
  }

  set engineDown(down: boolean) {
    this.pingError = down ? new FlError('dockerUnavailable', 'Docker is not running (fake engine down).') : undefined;
  }

  get hangRemoval(): boolean {
    return this.hanging;
  }

  set hangRemoval(hang: boolean) {
    this.hanging = hang;
    if (!hang) for (const release of this.hungRemovals.splice(0)) release();
  }

  /** The message `buildImage` fails with, if any. */
  get buildFailure(): string | undefined {
    return this.buildError?.message;
  }

  set buildFailure(message: string | undefined) {
    this.buildError = message === undefined ? undefined : new Error(message);
  }

  /** The container prints lines. */
  print(name: string, ...lines: string[]): void {
    for (const line of lines) this.log(name, line);
  }

  /** The engine reports a CPU/memory sample of a container. */
  sample(name: string, cpuPercent: number, memoryMb: number): void {
    for (const listener of this.must(name).resourceListeners) listener({ name, cpuPercent, memoryMb });
  }

  log(name: string, line: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    const c = this.must(name);
    c.lines.push({ line, stream });
    for (const listener of c.logListeners) listener(line, stream);
  }

  exit(name: string, exitCode: number, oomKilled = false): void {
    const c = this.must(name);
    if (c.status !== 'running' && c.status !== 'paused') return;
    c.status = 'exited';
    c.exitCode = exitCode;
    c.oomKilled = oomKilled;
    if (oomKilled) this.event(c, 'oom');
    this.event(c, 'die', exitCode);
    for (const w of c.waiters) w.resolve({ exitCode, oomKilled });
    c.waiters.clear();
    for (const stop of c.stopListeners) stop();
  }

  named(service: string): string {
    const found = [...this.containers.values()].find((c) => c.spec.labels['com.docker.compose.service'] === service);
    if (found === undefined) throw new Error(`no container for service ${service}`);
    return found.spec.name;
  }

  leftovers(): string[] {
    return [...this.containers.keys(), ...this.networks.keys(), ...this.volumes.keys()];
  }

  // ---- the port ----

  ping(signal?: AbortSignal): Promise<string> {
    this.check(signal);
    this.calls.push('ping');
    if (this.pingError !== undefined) return Promise.reject(this.pingError);
    return Promise.resolve('fake-20.10');
  }

  imageExists(tag: string, signal?: AbortSignal): Promise<boolean> {
    this.check(signal);
    return Promise.resolve(this.images.has(tag));
  }

  buildImage(request: ImageBuildRequest, options: { signal?: AbortSignal; onProgress?: (progress: BuildProgress) => void }): Promise<void> {
    this.check(options.signal);
    this.builds.push(request);
    this.calls.push(`build ${request.tag}`);
    for (const [i, instruction] of this.buildSteps.entries()) {
      options.onProgress?.({ line: `Step ${i + 1}/${this.buildSteps.length} : ${instruction}`, step: { index: i + 1, total: this.buildSteps.length, instruction } });
      if (this.buildError !== undefined) return Promise.reject(this.buildError);
    }
    this.images.add(request.tag);
    this.imageLabels.set(request.tag, request.labels);
    return Promise.resolve();
  }

  removeImages(labels: Readonly<Record<string, string>>, keep: string): Promise<string[]> {
    const used = new Set([...this.containers.values()].map((c) => c.spec.image));
    const removed = [...this.imageLabels].filter(([tag, l]) => tag !== keep && !used.has(tag) && matches(l, labels)).map(([tag]) => tag);
    for (const tag of removed) {
      this.images.delete(tag);
      this.imageLabels.delete(tag);
    }
    this.calls.push(`remove images ${removed.join(' ')}`);
    return Promise.resolve(removed);
  }

  tagImage(source: string, target: string, signal?: AbortSignal): Promise<void> {
    this.check(signal);
    if (!this.images.has(source)) return Promise.reject(new Error(`No such image: ${source}`));
    this.images.add(target);
    this.calls.push(`tag ${source} ${target}`);
    return Promise.resolve();
  }

  pushImage(reference: string, options: { auth?: RegistryAuth; signal?: AbortSignal; onProgress?: (line: string) => void }): Promise<string> {
    this.check(options.signal);
    this.calls.push(`push ${reference}`);
    if (this.pushError !== undefined) return Promise.reject(this.pushError);
    if (!this.images.has(reference)) return Promise.reject(new Error(`An image does not exist locally with the tag: ${reference}`));
    this.pushes.push({ reference, ...(options.auth !== undefined ? { auth: options.auth } : {}) });
    options.onProgress?.(`${reference.split(':').pop() ?? ''}: digest: sha256:${'ab'.repeat(32)} size: 1234`);
    return Promise.resolve(`sha256:${'ab'.repeat(32)}`);
  }

  createNetwork(name: string, labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<void> {
    this.check(signal);
    this.networks.set(name, labels);
    this.calls.push(`network ${name}`);
    return Promise.resolve();
  }

  createVolume(name: string, labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<void> {
    this.check(signal);
    this.volumes.set(name, labels);
    this.calls.push(`volume ${name}`);
    return Promise.resolve();
  }

  startContainer(spec: ContainerSpec, signal?: AbortSignal): Promise<void> {
    this.check(signal);
    if (this.containers.has(spec.name)) return Promise.reject(new Error(`Conflict. The container name "/${spec.name}" is already in use`));
    if (!this.networks.has(spec.network)) return Promise.reject(new Error(`network ${spec.network} not found`));
    const refused = this.startError(spec);
    if (refused !== undefined) return Promise.reject(refused);
    const c: FakeContainer = { spec, status: 'running', oomKilled: false, lines: [], logListeners: new Set(), stopListeners: new Set(), resourceListeners: new Set(), waiters: new Set() };
    this.containers.set(spec.name, c);
    this.calls.push(`start ${spec.name}`);
    this.event(c, 'start');
    queueMicrotask(() => this.onStart(spec, this));
    return Promise.resolve();
  }

  stopContainer(name: string): Promise<void> {
    const c = this.containers.get(name);
    if (c !== undefined) this.exit(name, 0);
    return Promise.resolve();
  }

  killContainer(name: string): Promise<void> {
    this.calls.push(`kill ${name}`);
    this.exit(name, 137);
    return Promise.resolve();
  }

  pauseContainer(name: string): Promise<void> {
    this.calls.push(`pause ${name}`);
    const c = this.must(name);
    c.status = 'paused';
    this.event(c, 'pause');
    return Promise.resolve();
  }

  unpauseContainer(name: string): Promise<void> {
    this.calls.push(`unpause ${name}`);
    const c = this.must(name);
    c.status = 'running';
    this.event(c, 'unpause');
    return Promise.resolve();
  }

  restartContainer(name: string): Promise<void> {
    this.calls.push(`restart ${name}`);
    const c = this.must(name);
    if (c.status === 'running') this.exit(name, 0);
    c.status = 'running';
    delete c.exitCode;
    this.event(c, 'start');
    this.event(c, 'restart');
    queueMicrotask(() => this.onStart(c.spec, this));
    return Promise.resolve();
  }

  inspectContainer(name: string): Promise<ContainerInfo | undefined> {
    const c = this.containers.get(name);
    return Promise.resolve(c === undefined ? undefined : this.info(c));
  }

  waitContainer(name: string, signal?: AbortSignal): Promise<{ exitCode: number; oomKilled: boolean }> {
    this.check(signal);
    const c = this.must(name);
    if (c.status === 'exited') return Promise.resolve({ exitCode: c.exitCode ?? 0, oomKilled: c.oomKilled });
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      c.waiters.add(waiter);
      signal?.addEventListener('abort', () => {
        c.waiters.delete(waiter);
        reject(new FlError('cancelled', 'aborted'));
      });
    });
  }

  listContainers(labels: Readonly<Record<string, string>>): Promise<ContainerInfo[]> {
    return Promise.resolve([...this.containers.values()].filter((c) => matches(c.spec.labels, labels)).map((c) => this.info(c)));
  }

  readLogs(name: string, options: { follow: boolean; tail?: number; signal?: AbortSignal }, onLine: (line: string, stream: 'stdout' | 'stderr') => void): Promise<void> {
    if (options.signal !== undefined) setMaxListeners(1000, options.signal);
    const c = this.must(name);
    const past = options.tail === undefined ? c.lines : options.tail === 0 ? [] : c.lines.slice(-options.tail);
    for (const { line, stream } of past) onLine(line, stream);
    if (!options.follow || c.status === 'exited') return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        c.logListeners.delete(onLine);
        c.stopListeners.delete(done);
        resolve();
      };
      c.logListeners.add(onLine);
      c.stopListeners.add(done);
      options.signal?.addEventListener('abort', done, { once: true });
    });
  }

  watchEvents(labels: Readonly<Record<string, string>>, signal: AbortSignal, onEvent: (event: ContainerEvent) => void): Promise<void> {
    setMaxListeners(1000, signal);
    const listener = (event: ContainerEvent): void => {
      if (matches(event.labels, labels)) onEvent(event);
    };
    this.eventListeners.add(listener);
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        this.eventListeners.delete(listener);
        resolve();
      });
    });
  }

  watchResources(name: string, signal: AbortSignal, onSample: (sample: ResourceSample) => void): Promise<void> {
    setMaxListeners(1000, signal);
    const c = this.containers.get(name);
    if (c === undefined) return Promise.resolve();
    c.resourceListeners.add(onSample);
    return new Promise((resolve) =>
      signal.addEventListener('abort', () => {
        c.resourceListeners.delete(onSample);
        resolve();
      }),
    );
  }

  async removeLabelled(labels: Readonly<Record<string, string>>): Promise<RemovalReport> {
    if (this.hanging) await new Promise<void>((resolve) => this.hungRemovals.push(resolve));
    const containers: string[] = [];
    for (const [name, c] of this.containers) {
      if (!matches(c.spec.labels, labels)) continue;
      if (c.status === 'running' || c.status === 'paused') this.exit(name, 137);
      for (const w of c.waiters) w.reject(new Error('container removed'));
      this.containers.delete(name);
      containers.push(name);
    }
    const networks = [...this.networks].filter(([, l]) => matches(l, labels)).map(([n]) => n);
    for (const n of networks) this.networks.delete(n);
    const volumes = [...this.volumes].filter(([, l]) => matches(l, labels)).map(([n]) => n);
    for (const v of volumes) this.volumes.delete(v);
    this.calls.push(`remove ${containers.join(' ')}`);
    return { containers, networks, volumes, failures: [] };
  }

  private info(c: FakeContainer): ContainerInfo {
    return { name: c.spec.name, labels: c.spec.labels, status: c.status, ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}), oomKilled: c.oomKilled };
  }

  private event(c: FakeContainer, action: string, exitCode?: number): void {
    const event: ContainerEvent = { name: c.spec.name, labels: c.spec.labels, action, ...(exitCode !== undefined ? { exitCode } : {}), time: ++this.clock };
    for (const listener of this.eventListeners) listener(event);
  }

  private must(name: string): FakeContainer {
    const c = this.containers.get(name);
    if (c === undefined) throw new Error(`No such container: ${name}`);
    return c;
  }

  private check(signal: AbortSignal | undefined): void {
    if (signal?.aborted === true) throw new FlError('cancelled', 'aborted');
    // As the real runtime does (io/docker/engine-errors.ts abortable): one run's signal is handed to a
    // log, events and stats stream per container, more than Node's default of 10 listeners.
    if (signal !== undefined) setMaxListeners(1000, signal);
  }
}

function matches(have: Readonly<Record<string, string>>, want: Readonly<Record<string, string>>): boolean {
  return Object.entries(want).every(([k, v]) => have[k] === v);
}

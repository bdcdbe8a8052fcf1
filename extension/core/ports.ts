import type { PyModule } from './python/python-model';

/**
 * The core's only ways to reach the outside world. Implementations live in io/ (real) and test/ (fakes);
 * the core never imports Node's fs, child_process, dockerode or undici.
 */

export interface RepoEntry {
  /** Relative to the repo root, `/`-separated. */
  readonly path: string;
  readonly kind: 'file' | 'dir';
  readonly size: number;
}

export interface RepoProblem {
  readonly path: string;
  readonly message: string;
  /** `outsideLink`: a link whose target is outside the repository (not listed, never read). */
  readonly kind?: 'outsideLink';
}

export interface RepoListing {
  readonly entries: readonly RepoEntry[];
  /** Folders that could not be listed, links that were not followed, limits that were hit. */
  readonly problems: readonly RepoProblem[];
}

export type ReadResult =
  /** `byteOrderMark`: the file starts with a UTF-8 BOM, which `text` no longer has. */
  | { readonly kind: 'text'; readonly text: string; readonly byteOrderMark?: boolean }
  | { readonly kind: 'unreadable'; readonly reason: string };

export interface RepoReader {
  /** Absolute path of the repo root, for messages. */
  readonly root: string;
  /** Lists files and folders, skipping caches and virtual environments; never follows directory links. */
  list(signal?: AbortSignal): Promise<RepoListing>;
  /** Reads a text file; binary, oversized, undecodable or unreadable files come back as `unreadable`. */
  readText(path: string, signal?: AbortSignal): Promise<ReadResult>;
}

export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

/**
 * Parses Python source into the lint model, at the given level of detail. Results are in input order.
 * A file that does not parse still yields a module: its syntax errors plus whatever did parse.
 */
export interface PythonAnalyzer {
  analyze(
    files: readonly SourceFile[],
    options: { readonly detail: PyModule['detail']; readonly signal?: AbortSignal | undefined },
  ): Promise<PyModule[]>;
}

/** Local git state, for `flops/unpushed-changes`. `undefined` fields mean "not known". */
export interface GitState {
  readonly isRepo: boolean;
  readonly head?: string;
  readonly upstreamHead?: string;
  readonly upstreamName?: string;
  readonly dirtyFiles: number;
  readonly originUrl?: string;
}

export interface GitInspector {
  inspect(signal?: AbortSignal): Promise<GitState>;
}

/**
 * Time, injected so the core never reads the clock itself and tests step time instead of sleeping
 * (io/system-clock.ts is the real one, test/unit/fakes/fake-clock.ts the one tests advance by hand).
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once, `ms` from now; the returned function cancels it (a no-op once it fired). */
  setTimer(ms: number, fn: () => void): () => void;
}

export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error): void;
}

/** A container, network or volume the simulation creates, in Docker's terms but without dockerode's types. */
export interface ContainerSpec {
  /** Docker name, unique on the engine (`<project>-<service>-1`, compose v2 style). */
  readonly name: string;
  readonly image: string;
  readonly cmd: readonly string[];
  readonly env: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** The network it joins and its DNS names there (the compose service name). */
  readonly network: string;
  readonly aliases: readonly string[];
  /** CPU limit in cores (Docker `NanoCpus`), memory limit in MB; absent = unlimited. */
  readonly cpus?: number;
  readonly memoryMb?: number;
  /** Ports published on 127.0.0.1. */
  readonly ports?: readonly { readonly container: number; readonly host: number }[];
  /** Named volumes mounted read-write. */
  readonly volumes?: readonly { readonly name: string; readonly target: string }[];
  /** Signal `docker stop` sends (Flower stops cleanly on SIGINT). */
  readonly stopSignal?: string;
}

export interface ImageBuildRequest {
  /** Absolute path of the build context (the repository root). */
  readonly contextDir: string;
  /** Files of the context, relative, `/`-separated: exactly what is sent (and hashed). */
  readonly files: readonly string[];
  /** Dockerfile path relative to the context. */
  readonly dockerfile: string;
  readonly tag: string;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

/** One line of build output; `step` is set on the classic builder's "Step 3/12 : RUN ..." lines. */
export interface BuildProgress {
  readonly line: string;
  readonly step?: { readonly index: number; readonly total: number; readonly instruction: string };
}

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing';

export interface ContainerInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly status: ContainerStatus;
  readonly exitCode?: number;
  readonly oomKilled?: boolean;
}

/** A Docker engine event about a container we labelled. */
export interface ContainerEvent {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Docker's action: start, die, oom, kill, pause, unpause, restart, destroy, ... */
  readonly action: string;
  readonly exitCode?: number;
  /** Milliseconds since the epoch (the engine's clock). */
  readonly time: number;
}

export interface ResourceSample {
  readonly name: string;
  /** Percent of one core (100 = one full core). */
  readonly cpuPercent: number;
  readonly memoryMb: number;
  readonly memoryLimitMb?: number;
}

/** What removing everything with a label removed. */
export interface RemovalReport {
  readonly containers: readonly string[];
  readonly networks: readonly string[];
  readonly volumes: readonly string[];
  /** What could not be removed, with the engine's reason. */
  readonly failures: readonly string[];
}

/** Credentials for a registry push (never written anywhere: from SecretStorage or the environment). */
export interface RegistryAuth {
  readonly username: string;
  readonly password: string;
  /** The registry host[:port] the credentials belong to; absent: whatever image.registry names (the CLI's environment). */
  readonly registry?: string;
}

/**
 * The container engine (Docker Engine API, io/docker/runtime.ts). Every method rejects with
 * `FlError('dockerUnavailable')` when the engine cannot be reached, with `FlError('cancelled')` when the
 * signal aborts, and with a plain Error carrying the engine's message otherwise.
 */
export interface ContainerRuntime {
  /** Checks the engine answers; resolves to its version ("20.10.24"). */
  ping(signal?: AbortSignal): Promise<string>;
  imageExists(tag: string, signal?: AbortSignal): Promise<boolean>;
  /** Builds and tags; rejects with the failing step's output when a step fails. */
  buildImage(request: ImageBuildRequest, options: { readonly signal?: AbortSignal; readonly onProgress?: (progress: BuildProgress) => void }): Promise<void>;
  /**
   * Removes the images carrying every given label, except the one tagged `keep` and images a container
   * still uses (those stay, silently); resolves to the removed tags.
   */
  removeImages(labels: Readonly<Record<string, string>>, keep: string, signal?: AbortSignal): Promise<string[]>;
  /** Tags an existing image (by tag or id) as `target` (`repository:tag`). */
  tagImage(source: string, target: string, signal?: AbortSignal): Promise<void>;
  /**
   * Pushes `reference` (`registry/repository:tag`) and resolves to the digest the registry gave it
   * (`sha256:…`); rejects with the registry's own message when it refuses (auth, TLS, unreachable).
   */
  pushImage(reference: string, options: { readonly auth?: RegistryAuth; readonly signal?: AbortSignal; readonly onProgress?: (line: string) => void }): Promise<string>;
  createNetwork(name: string, labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<void>;
  createVolume(name: string, labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<void>;
  /** Creates and starts a container. */
  startContainer(spec: ContainerSpec, signal?: AbortSignal): Promise<void>;
  /** `docker stop`: the spec's stop signal, then SIGKILL after `timeoutSeconds`. A stopped container is not an error. */
  stopContainer(name: string, timeoutSeconds: number, signal?: AbortSignal): Promise<void>;
  killContainer(name: string, signal?: AbortSignal): Promise<void>;
  pauseContainer(name: string, signal?: AbortSignal): Promise<void>;
  unpauseContainer(name: string, signal?: AbortSignal): Promise<void>;
  restartContainer(name: string, signal?: AbortSignal): Promise<void>;
  inspectContainer(name: string, signal?: AbortSignal): Promise<ContainerInfo | undefined>;
  /** Resolves when the container has stopped (at once if it already has), with its exit code. */
  waitContainer(name: string, signal?: AbortSignal): Promise<{ readonly exitCode: number; readonly oomKilled: boolean }>;
  /** Containers carrying every given label, running or not. */
  listContainers(labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<ContainerInfo[]>;
  /**
   * Calls `onLine` for each log line (stdout and stderr, demultiplexed, without the trailing newline)
   * until the container stops (follow) or the existing lines are read; `tail` limits to the last lines.
   */
  readLogs(
    name: string,
    options: { readonly follow: boolean; readonly tail?: number; readonly signal?: AbortSignal },
    onLine: (line: string, stream: 'stdout' | 'stderr') => void,
  ): Promise<void>;
  /** Streams engine events of containers carrying the labels until the signal aborts. */
  watchEvents(labels: Readonly<Record<string, string>>, signal: AbortSignal, onEvent: (event: ContainerEvent) => void): Promise<void>;
  /** Streams CPU and memory use of one container (about once a second) until it stops or the signal aborts. */
  watchResources(name: string, signal: AbortSignal, onSample: (sample: ResourceSample) => void): Promise<void>;
  /** Removes (forced) every container, then network, then volume carrying the labels. Never throws for one failure. */
  removeLabelled(labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<RemovalReport>;
}

import { dockerodeOptions, resolveDockerEndpoint } from './docker-host';
import Docker from 'dockerode';
import { setMaxListeners } from 'node:events';
import type { Readable } from 'node:stream';
import { pack } from 'tar-fs';
import { z } from 'zod';
import { FlError, throwIfCancelled } from '../core/errors';
import type {
  BuildProgress,
  ContainerEvent,
  ContainerInfo,
  ContainerRuntime,
  ContainerSpec,
  ContainerStatus,
  ImageBuildRequest,
  RemovalReport,
  ResourceSample,
} from '../core/ports';

/**
 * ContainerRuntime over the Docker Engine API with dockerode. Requests name API 1.41 (Docker 20.10, the
 * oldest engine we support and test against), so a newer engine answers in the shapes parsed here; an
 * engine that no longer serves 1.41 is asked in the oldest version it serves, an older one in its own.
 *
 * Streaming methods (readLogs, watchEvents, watchResources) resolve, not reject, when their signal aborts:
 * aborting is how a caller stops watching. Everything else rejects with `FlError('cancelled')`.
 */

const pinnedApiVersion = '1.41';

/** Fields of docker-modem its typings leave out: where the engine is and which API version requests name. */
interface ModemSettings {
  socketPath?: string | (() => string | Promise<string>);
  host?: string;
  port?: string | number;
  protocol?: string;
  version?: string;
}

const mebibyte = 1024 * 1024;

export class DockerRuntime implements ContainerRuntime {
  private readonly modem: ModemSettings;

  /** `new Docker()` reads DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH as the docker CLI does. */
  constructor(
    private readonly docker: Docker = new Docker(),
    /** Where the endpoint came from ("DOCKER_HOST", "docker context desktop-linux", …), for messages. */
    private readonly endpointSource?: string,
  ) {
    this.modem = docker.modem as unknown as ModemSettings;
  }

  async ping(signal?: AbortSignal): Promise<string> {
    return this.call(signal, async () => (await this.engineVersion(signal)).Version);
  }

  async imageExists(tag: string, signal?: AbortSignal): Promise<boolean> {
    // Not image.inspect: dockerode does not pass the signal on for it.
    return this.call(signal, async () => (await this.docker.listImages({ filters: { reference: [tag] }, ...abortable(signal) })).length > 0);
  }

  async removeImages(labels: Readonly<Record<string, string>>, keep: string, signal?: AbortSignal): Promise<string[]> {
    if (Object.keys(labels).length === 0) throw new Error('removeImages needs at least one label: an empty filter would match every image on the engine.');
    return this.call(signal, async () => {
      const images = await this.docker.listImages({ filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) }, ...abortable(signal) });
      const removed: string[] = [];
      for (const image of images) {
        const tags = image.RepoTags ?? [];
        if (tags.includes(keep)) continue;
        try {
          await this.docker.getImage(image.Id).remove({ ...abortable(signal) });
          removed.push(...tags);
        } catch (error) {
          // 409: a container (a run of this repository elsewhere) still uses it; 404: already gone.
          if (statusOf(error) !== 409 && statusOf(error) !== 404) throw error;
        }
      }
      return removed;
    });
  }

  async buildImage(request: ImageBuildRequest, options: { readonly signal?: AbortSignal; readonly onProgress?: (progress: BuildProgress) => void }): Promise<void> {
    const { signal, onProgress } = options;
    return this.call(signal, async () => {
      // The docker CLI always sends the Dockerfile, even when .dockerignore excludes it; we send exactly
      // `files`, so without this check the engine would only say "Cannot locate specified Dockerfile".
      if (!request.files.includes(request.dockerfile)) {
        throw new Error(`${request.dockerfile} is not among the files sent to the image build: it is missing or the repository's .dockerignore excludes it (add the line "!${request.dockerfile}" to .dockerignore).`);
      }
      // Packed here rather than by dockerode ({ context, src }): dockerode leaves the packer's errors
      // unhandled (a file that vanished or cannot be read crashes the process and the build hangs), and
      // re-filters through .dockerignore. Uncompressed, since the engine is usually local.
      const context = pack(request.contextDir, { entries: [...request.files] });
      const sending = new AbortController();
      let contextError: Error | undefined;
      context.on('error', (error: Error) => {
        contextError = error;
        sending.abort(error);
      });
      const requestSignal = signal !== undefined ? AbortSignal.any([signal, sending.signal]) : sending.signal;
      try {
        const stream = await this.docker.buildImage(context, {
          t: request.tag,
          dockerfile: request.dockerfile,
          buildargs: { ...request.buildArgs },
          labels: { ...request.labels },
          // The classic builder: progress is parsed from its "Step n/m" lines; BuildKit reports in protobuf.
          version: '1',
          rm: true,
          // A failed step's container is removed too, so a failing build leaves nothing behind.
          forcerm: true,
          abortSignal: requestSignal,
        });
        const output = new BuildOutput(onProgress);
        const lines = jsonLines((value) => output.take(value));
        const end = await readStream(stream, requestSignal, lines.push);
        if (end === 'aborted') throw cancelled();
        lines.flush();
        output.finish(request.tag);
      } catch (error) {
        if (contextError !== undefined) throw new Error(`The build context could not be sent: ${contextError.message}`, { cause: contextError });
        throw error;
      }
    });
  }

  async createNetwork(name: string, labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<void> {
    return this.call(signal, async () => {
      // CheckDuplicate: API 1.41 otherwise creates a second network of the same name, and names turn ambiguous.
      await this.docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: { ...labels }, ...abortable(signal) });
    });
  }

  async createVolume(name: string, labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<void> {
    return this.call(signal, async () => {
      await this.docker.createVolume({ Name: name, Labels: { ...labels }, ...abortable(signal) });
    });
  }

  async startContainer(spec: ContainerSpec, signal?: AbortSignal): Promise<void> {
    return this.call(signal, async () => {
      const container = await this.docker.createContainer({ ...createOptions(spec), ...abortable(signal) });
      try {
        await container.start(abortable(signal));
      } catch (error) {
        // Without the signal: it may be the reason start failed. A container that still cannot be removed
        // carries the run's labels, so the run's removeLabelled takes it; the start failure is what to report.
        await container.remove({ force: true, v: true }).catch(() => undefined);
        throw error;
      }
    });
  }

  async stopContainer(name: string, timeoutSeconds: number, signal?: AbortSignal): Promise<void> {
    return this.call(signal, async () => {
      try {
        await this.docker.getContainer(name).stop({ t: timeoutSeconds, ...abortable(signal) });
      } catch (error) {
        // 304: not running; 404: gone. Either way it is stopped, which is what the caller wants.
        if (statusOf(error) === 304 || statusOf(error) === 404) return;
        throw error;
      }
    });
  }

  async killContainer(name: string, signal?: AbortSignal): Promise<void> {
    return this.call(signal, async () => {
      await this.docker.getContainer(name).kill(abortable(signal));
    });
  }

  async pauseContainer(name: string, signal?: AbortSignal): Promise<void> {
    return this.call(signal, async () => {
      await this.docker.getContainer(name).pause(abortable(signal));
    });
  }

  async unpauseContainer(name: string, signal?: AbortSignal): Promise<void> {
    return this.call(signal, async () => {
      await this.docker.getContainer(name).unpause(abortable(signal));
    });
  }

  async restartContainer(name: string, signal?: AbortSignal): Promise<void> {
    return this.call(signal, async () => {
      await this.docker.getContainer(name).restart(abortable(signal));
    });
  }

  async waitContainer(name: string, signal?: AbortSignal): Promise<{ readonly exitCode: number; readonly oomKilled: boolean }> {
    return this.call(signal, async () => {
      // "not-running" returns at once for a container that has already stopped (the race `wait` closes).
      const result = (await this.docker.getContainer(name).wait({ condition: 'not-running', ...abortable(signal) })) as { StatusCode?: number };
      const info = await this.docker
        .getContainer(name)
        .inspect()
        .catch(() => undefined);
      return { exitCode: result.StatusCode ?? info?.State.ExitCode ?? -1, oomKilled: info?.State.OOMKilled === true };
    });
  }

  async inspectContainer(name: string, signal?: AbortSignal): Promise<ContainerInfo | undefined> {
    return this.call(signal, async () => {
      let info;
      try {
        info = await this.docker.getContainer(name).inspect(abortable(signal));
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
      const status = containerStatus(info.State.Status);
      return {
        name: info.Name.replace(/^\//, ''),
        labels: info.Config.Labels ?? {},
        status,
        ...(status === 'exited' || status === 'dead' ? { exitCode: info.State.ExitCode } : {}),
        oomKilled: info.State.OOMKilled,
      };
    });
  }

  async listContainers(labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<ContainerInfo[]> {
    return this.call(signal, async () => {
      const found = await this.docker.listContainers({ all: true, filters: { label: labelFilters(labels) }, ...abortable(signal) });
      return found.map((c) => {
        // The list has no exit code field, only the CLI's status text ("Exited (137) 3 seconds ago"); OOM
        // kills show through inspectContainer only.
        const exitCode = /^Exited \((-?\d+)\)/.exec(c.Status)?.[1];
        return {
          name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
          labels: c.Labels,
          status: containerStatus(c.State),
          ...(exitCode !== undefined ? { exitCode: Number(exitCode) } : {}),
        };
      });
    });
  }

  async readLogs(
    name: string,
    options: { readonly follow: boolean; readonly tail?: number; readonly signal?: AbortSignal },
    onLine: (line: string, stream: 'stdout' | 'stderr') => void,
  ): Promise<void> {
    const { follow, tail, signal } = options;
    return untilAborted(
      this.call(signal, async () => {
        const container = this.docker.getContainer(name);
        const frames = new LogFrames(onLine);
        const common = { stdout: true, stderr: true, ...(tail !== undefined ? { tail } : {}), ...abortable(signal) };
        if (!follow) {
          frames.push(await container.logs({ ...common, follow: false }));
          frames.end();
          return;
        }
        const stream = await container.logs({ ...common, follow: true });
        // A line cut off by the abort is incomplete, so only a stream that ended is flushed.
        if ((await readStream(stream, signal, (chunk) => frames.push(chunk))) !== 'ended') return;
        // Engine 20.10 may end a followed log as the container stops but before the log driver wrote the
        // output's unterminated end, which it writes only when the pipe closes (seen in most runs of a
        // process that exits after `sys.stdout.write("...")`). Once the container is no longer running
        // that end is in the log: each stream's last message is among the last two.
        try {
          await container.wait({ condition: 'not-running', ...abortable(signal) });
          frames.recover(await container.logs({ stdout: true, stderr: true, tail: 2, follow: false, ...abortable(signal) }));
        } catch (error) {
          // Removed meanwhile: there is no log left to complete from.
          if (statusOf(error) !== 404) throw error;
        }
        frames.end();
      }),
    );
  }

  /**
   * Events are asked for from one second before the call (by this machine's clock), so a container the
   * caller starts right after calling is seen even though the subscription is not yet live then; the
   * engine replays what it has buffered since that time.
   */
  async watchEvents(labels: Readonly<Record<string, string>>, signal: AbortSignal, onEvent: (event: ContainerEvent) => void): Promise<void> {
    const since = Math.floor(Date.now() / 1000) - 1;
    return untilAborted(
      this.call(signal, async () => {
        const stream = await this.docker.getEvents({ since, filters: { type: ['container'], label: labelFilters(labels) }, abortSignal: signal });
        const lines = jsonLines((value) => onEvent(containerEvent(value)));
        if ((await readStream(stream, signal, lines.push)) === 'ended') {
          throw new FlError('dockerUnavailable', 'The Docker engine closed its event stream; it was probably stopped or restarted.');
        }
      }),
    );
  }

  async watchResources(name: string, signal: AbortSignal, onSample: (sample: ResourceSample) => void): Promise<void> {
    return untilAborted(
      this.call(signal, async () => {
        const options = { stream: true as const, abortSignal: signal };
        const stream = await this.docker.getContainer(name).stats(options);
        const lines = jsonLines((value) => {
          const stats = engineStats.parse(value);
          // Engine 20.10 keeps streaming zeroed samples (read time 0001-01-01) once a container stopped.
          if (stats.read.startsWith('0001-01-01')) return false;
          const sample = resourceSample(name, stats);
          if (sample !== undefined) onSample(sample);
          return true;
        });
        await readStream(stream, signal, lines.push);
      }),
    );
  }

  async removeLabelled(labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<RemovalReport> {
    if (Object.keys(labels).length === 0) throw new Error('removeLabelled needs at least one label: with none it would remove every container on the engine.');
    return this.call(signal, async () => {
      const filters = { label: labelFilters(labels) };
      const failures: string[] = [];
      const removeAll = async <T>(kind: string, items: readonly T[], nameOf: (item: T) => string, remove: (item: T) => Promise<unknown>): Promise<string[]> => {
        const outcomes = await Promise.all(
          items.map(async (item) => {
            try {
              await remove(item);
              return nameOf(item);
            } catch (error) {
              throwIfCancelled(signal);
              // Removed meanwhile (another `down`, compose, the user): what we wanted, not our doing.
              if (statusOf(error) === 404 || /already in progress/.test(engineMessage(error))) return undefined;
              failures.push(`${kind} ${nameOf(item)}: ${(await this.toRuntimeError(error, signal)).message}`);
              return undefined;
            }
          }),
        );
        return outcomes.filter((name): name is string => name !== undefined);
      };

      const containerList = await this.docker.listContainers({ all: true, filters, ...abortable(signal) });
      const containers = await removeAll(
        'container',
        containerList,
        (c) => (c.Names[0] ?? c.Id).replace(/^\//, ''),
        // v: anonymous volumes go with their container, as with `docker compose down -v`.
        (c) => this.docker.getContainer(c.Id).remove({ force: true, v: true, ...abortable(signal) }),
      );
      throwIfCancelled(signal);
      const networkList = await this.docker.listNetworks({ filters, ...abortable(signal) });
      const networks = await removeAll('network', networkList, (n) => n.Name, (n) => this.docker.getNetwork(n.Id).remove(abortable(signal)));
      throwIfCancelled(signal);
      const volumeList = (await this.docker.listVolumes({ filters, ...abortable(signal) })).Volumes ?? [];
      const volumes = await removeAll('volume', volumeList, (v) => v.Name, (v) => this.docker.getVolume(v.Name).remove(abortable(signal)));
      return { containers, networks, volumes, failures };
    });
  }

  /** Runs one engine operation: pins the API version first, and maps whatever fails (toRuntimeError). */
  private async call<T>(signal: AbortSignal | undefined, operation: () => Promise<T>): Promise<T> {
    throwIfCancelled(signal);
    try {
      await this.pinApiVersion(signal);
      return await operation();
    } catch (error) {
      throw await this.toRuntimeError(error, signal);
    }
  }

  /** Like the docker CLI's version negotiation, but towards 1.41 rather than the newest version. */
  private async pinApiVersion(signal: AbortSignal | undefined): Promise<void> {
    // A Docker instance built with an explicit version keeps it.
    if (this.modem.version !== undefined) return;
    // MinAPIVersion is missing from engines older than API 1.25.
    const { ApiVersion: newest, MinAPIVersion: oldest } = (await this.engineVersion(signal)) as { ApiVersion: string; MinAPIVersion?: string };
    let chosen = pinnedApiVersion;
    if (compareVersions(newest, pinnedApiVersion) < 0) chosen = newest;
    else if (oldest !== undefined && compareVersions(oldest, pinnedApiVersion) > 0) chosen = oldest;
    this.modem.version ??= `v${chosen}`;
  }

  private engineVersion(signal: AbortSignal | undefined): Promise<Docker.DockerVersion> {
    // dockerode's version() takes options (docker.js passes abortSignal on); its typings only know ().
    const version = this.docker.version.bind(this.docker) as unknown as (options: { abortSignal?: AbortSignal }) => Promise<Docker.DockerVersion>;
    return version(abortable(signal));
  }

  private async toRuntimeError(error: unknown, signal: AbortSignal | undefined): Promise<Error> {
    if (error instanceof FlError) return error;
    if (signal?.aborted === true || (error instanceof Error && error.name === 'AbortError')) return cancelled();
    const { code, syscall } = error as NodeJS.ErrnoException;
    const detail = error instanceof Error ? error.message : String(error);
    // Only on connect do these name the socket: a build context file that vanished is ENOENT too.
    if (code === 'ENOENT' && syscall === 'connect') {
      return new FlError(
        'dockerUnavailable',
        `Docker is not running or not installed: no engine at ${await this.engineAddress()}. Start Docker (Docker Desktop, or \`sudo systemctl start docker\`), or point DOCKER_HOST at a running engine.`,
        detail,
      );
    }
    if ((code === 'EACCES' || code === 'EPERM') && syscall === 'connect') {
      return new FlError(
        'dockerUnavailable',
        `Docker is running, but this user may not use it: permission denied on ${await this.engineAddress()}. Add the user to the \`docker\` group (\`sudo usermod -aG docker $USER\`) and log in again, or use rootless Docker and point DOCKER_HOST at its socket.`,
        detail,
      );
    }
    if (code !== undefined && unreachableCodes.has(code)) {
      return new FlError(
        'dockerUnavailable',
        `Docker is not running: nothing answers at ${await this.engineAddress()} (${code}). Start Docker (Docker Desktop, or \`sudo systemctl start docker\`), or point DOCKER_HOST at a running engine.`,
        detail,
      );
    }
    // Our own errors (a failed build step, an unreadable reply) are already worded for the user.
    if (statusOf(error) === undefined) return error instanceof Error ? error : new Error(String(error));
    const message = engineMessage(error);
    return new Error(explainEngineMessage(message) ?? message, { cause: error });
  }

  private async engineAddress(): Promise<string> {
    const from = this.endpointSource !== undefined ? ` (from ${this.endpointSource})` : '';
    const socket = this.modem.socketPath;
    if (typeof socket === 'function') return `${await socket()}${from}`;
    if (typeof socket === 'string') return `${socket}${from}`;
    return `${this.modem.protocol ?? 'http'}://${this.modem.host ?? 'localhost'}:${String(this.modem.port ?? '')}${from}`;
  }
}

/** Connection failures that mean no engine answers (refused, timed out, reset by a dying engine, no route). */
const unreachableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

function cancelled(): FlError {
  return new FlError('cancelled', 'The operation was cancelled.');
}

/** dockerode options carry the signal as `abortSignal`; exactOptionalPropertyTypes forbids passing `undefined`. */
function abortable(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  // One run's signal is handed to a log, stats and events stream per container: far more than Node's
  // default of 10 listeners, which would print a spurious leak warning.
  if (signal !== undefined) setMaxListeners(1000, signal);
  return signal !== undefined ? { abortSignal: signal } : {};
}

/** Resolves instead of rejecting when the operation was cancelled: for methods that run until aborted. */
async function untilAborted(operation: Promise<void>): Promise<void> {
  try {
    await operation;
  } catch (error) {
    if (error instanceof FlError && error.kind === 'cancelled') return;
    throw error;
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The engine's own message: docker-modem prefixes it with "(HTTP code 409) unexpected - ". */
function engineMessage(error: unknown): string {
  const json = (error as { json?: unknown } | undefined)?.json;
  if (typeof json === 'object' && json !== null && typeof (json as { message?: unknown }).message === 'string') return (json as { message: string }).message.trim();
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

/** Engine messages that need a next step; undefined when the message speaks for itself. */
function explainEngineMessage(message: string): string | undefined {
  if (/port is already allocated|address already in use/.test(message)) {
    const bind = /(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:]*\]):(\d+)/i.exec(message);
    const where = bind !== null ? `Port ${bind[2] ?? ''} on ${bind[1] ?? ''}` : 'A port to publish';
    return `${where} is already in use, so the container cannot publish it. Stop the container or program that holds it (\`docker ps\` lists containers and their ports, \`ss -ltnp\` other programs) or choose another port. (Docker: ${message})`;
  }
  if (/no space left on device/.test(message)) {
    return `The Docker engine is out of disk space: ${message}. Run \`docker system df\` to see what uses it and free space (for example \`docker image prune\` removes unused images).`;
  }
  return undefined;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function labelFilters(labels: Readonly<Record<string, string>>): string[] {
  return Object.entries(labels).map(([key, value]) => `${key}=${value}`);
}

const containerStatuses: ReadonlySet<string> = new Set<ContainerStatus>(['created', 'running', 'paused', 'restarting', 'exited', 'dead', 'removing']);

function containerStatus(status: string): ContainerStatus {
  if (!containerStatuses.has(status)) throw new Error(`The Docker engine reported a container status this extension does not know: "${status}".`);
  return status as ContainerStatus;
}

function createOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  const ports = spec.ports ?? [];
  const memory = spec.memoryMb !== undefined ? Math.round(spec.memoryMb * mebibyte) : undefined;
  return {
    name: spec.name,
    Image: spec.image,
    Cmd: [...spec.cmd],
    Env: [...spec.env],
    Labels: { ...spec.labels },
    ...(spec.stopSignal !== undefined ? { StopSignal: spec.stopSignal } : {}),
    ExposedPorts: Object.fromEntries(ports.map((p) => [`${p.container}/tcp`, {}])),
    HostConfig: {
      NetworkMode: spec.network,
      ...(spec.cpus !== undefined ? { NanoCpus: Math.round(spec.cpus * 1e9) } : {}),
      // Swap equal to memory means no swap: an edge device's limit is a hard limit, and a learner that
      // exceeds it should be OOM-killed as it would be there, not slowed down by swapping.
      ...(memory !== undefined ? { Memory: memory, MemorySwap: memory } : {}),
      PortBindings: Object.fromEntries(ports.map((p) => [`${p.container}/tcp`, [{ HostIp: '127.0.0.1', HostPort: String(p.host) }]])),
      Binds: (spec.volumes ?? []).map((v) => `${v.name}:${v.target}`),
    },
    NetworkingConfig: { EndpointsConfig: { [spec.network]: { Aliases: [...spec.aliases] } } },
  };
}

type StreamEnd = 'ended' | 'aborted' | 'stopped';

/**
 * Feeds a response stream to `onChunk` until it ends, the signal aborts or `onChunk` returns false; in
 * the last two cases the stream is destroyed, which closes the connection and ends the engine's side.
 */
function readStream(stream: NodeJS.ReadableStream, signal: AbortSignal | undefined, onChunk: (chunk: Buffer) => boolean | void): Promise<StreamEnd> {
  // dockerode hands out the http.IncomingMessage, a Readable, typed as the older stream interface.
  const readable = stream as Readable;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (outcome: StreamEnd | Error): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      readable.off('data', onData);
      readable.off('end', onEnd);
      readable.off('close', onClose);
      if (outcome !== 'ended') readable.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onAbort = (): void => finish('aborted');
    const onData = (chunk: Buffer): void => {
      try {
        if (onChunk(chunk) === false) finish('stopped');
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
      }
    };
    const onEnd = (): void => finish('ended');
    const onClose = (): void => finish(signal?.aborted === true ? 'aborted' : 'ended');
    // Stays attached after finishing: destroying the stream or the aborted request may still emit
    // "aborted"/ECONNRESET, which must not become an unhandled 'error' event.
    readable.on('error', (error: Error) => finish(signal?.aborted === true ? 'aborted' : error));
    if (signal?.aborted === true) {
      finish('aborted');
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    readable.on('data', onData);
    readable.on('end', onEnd);
    readable.on('close', onClose);
  });
}

/** Splits newline-delimited JSON arriving in arbitrary chunks; `onValue` returning false stops reading. */
function jsonLines(onValue: (value: unknown) => boolean | void): { push: (chunk: Buffer) => boolean; flush: () => void } {
  const decoder = new TextDecoder();
  let pending = '';
  const take = (line: string): boolean => {
    const text = line.trim();
    if (text === '') return true;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`The Docker engine sent a line that is not JSON: ${text.slice(0, 200)}`);
    }
    return onValue(value) !== false;
  };
  return {
    push: (chunk) => {
      pending += decoder.decode(chunk, { stream: true });
      for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (!take(line)) return false;
      }
      return true;
    },
    flush: () => {
      pending += decoder.decode();
      const rest = pending;
      pending = '';
      take(rest);
    },
  };
}

/** Bytes of a stream's recent output kept to tell whether a recovered last line was already seen. */
const recentBytes = 64 * 1024;

/** Splits decoded text into lines across chunk boundaries; a multi-byte character may span chunks too. */
class LineSplitter {
  private readonly decoder = new TextDecoder();
  private pending = '';
  private recent: Buffer = Buffer.alloc(0);

  constructor(private readonly onLine: (line: string) => void) {}

  push(bytes: Buffer): void {
    this.recent = Buffer.concat([this.recent, bytes]);
    if (this.recent.length > 2 * recentBytes) this.recent = this.recent.subarray(this.recent.length - recentBytes);
    this.pending += this.decoder.decode(bytes, { stream: true });
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.onLine(line.replace(/\r$/, ''));
  }

  endsWith(bytes: Buffer): boolean {
    return this.recent.length >= bytes.length && this.recent.subarray(this.recent.length - bytes.length).equals(bytes);
  }

  end(): void {
    this.pending += this.decoder.decode();
    if (this.pending !== '') this.onLine(this.pending.replace(/\r$/, ''));
    this.pending = '';
  }
}

type LogStream = 'stdout' | 'stderr';

/**
 * Docker's log framing for containers without a TTY: an 8-byte header (stream 1 = stdout, 2 = stderr,
 * three zero bytes, big-endian payload length) before each payload. Data that does not start with such a
 * header (a container created with a TTY) is passed through as stdout.
 */
class LogFrames {
  private pending: Buffer = Buffer.alloc(0);
  private raw = false;
  private readonly lines: Record<LogStream, LineSplitter>;

  constructor(onLine: (line: string, stream: LogStream) => void) {
    this.lines = { stdout: new LineSplitter((line) => onLine(line, 'stdout')), stderr: new LineSplitter((line) => onLine(line, 'stderr')) };
  }

  push(chunk: Buffer): void {
    if (this.raw) {
      this.lines.stdout.push(chunk);
      return;
    }
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const { frames, rest, raw } = splitFrames(this.pending);
    for (const frame of frames) this.lines[frame.stream].push(frame.payload);
    this.pending = rest;
    if (raw) {
      this.raw = true;
      this.lines.stdout.push(this.pending);
      this.pending = Buffer.alloc(0);
    }
  }

  /**
   * Takes each stream's last message from a fresh read of the log's end (`tail`), and passes on the ones
   * the followed stream missed: output that does not end in a newline, not yet received.
   */
  recover(tail: Buffer): void {
    const last: Partial<Record<LogStream, Buffer>> = {};
    for (const frame of splitFrames(tail).frames) last[frame.stream] = frame.payload;
    for (const stream of ['stdout', 'stderr'] as const) {
      const payload = last[stream];
      if (payload === undefined || payload.length === 0 || payload[payload.length - 1] === 0x0a) continue;
      if (!this.lines[stream].endsWith(payload)) this.lines[stream].push(payload);
    }
  }

  end(): void {
    // Frames arrive whole unless the stream was cut; a cut-off frame's bytes are still output.
    if (this.pending.length > 8) this.lines.stdout.push(this.pending.subarray(8));
    this.pending = Buffer.alloc(0);
    this.lines.stdout.end();
    this.lines.stderr.end();
  }
}

/** Whole frames at the start of `data`, the bytes after them, and whether `data` is not framed at all. */
function splitFrames(data: Buffer): { frames: { stream: LogStream; payload: Buffer }[]; rest: Buffer; raw: boolean } {
  const frames: { stream: LogStream; payload: Buffer }[] = [];
  let offset = 0;
  while (data.length - offset >= 8) {
    const kind = data[offset];
    if ((kind !== 0 && kind !== 1 && kind !== 2) || data[offset + 1] !== 0 || data[offset + 2] !== 0 || data[offset + 3] !== 0) {
      return { frames, rest: data.subarray(offset), raw: true };
    }
    const size = data.readUInt32BE(offset + 4);
    if (data.length - offset < 8 + size) break;
    frames.push({ stream: kind === 2 ? 'stderr' : 'stdout', payload: data.subarray(offset + 8, offset + 8 + size) });
    offset += 8 + size;
  }
  return { frames, rest: data.subarray(offset), raw: false };
}

const buildMessage = z.object({
  stream: z.string().optional(),
  error: z.string().optional(),
  errorDetail: z.object({ message: z.string().optional() }).optional(),
  aux: z.object({ ID: z.string().optional() }).optional(),
});

/** The classic builder colours a step's stderr red; in a log the escape codes are noise. */
const colourCodes = new RegExp(`${String.fromCharCode(0x1b)}\\[[0-9;]*m`, 'g');
const stepLine = /^Step (\d+)\/(\d+) : (.*)$/;
/** The builder's own bookkeeping between steps; not output of the user's commands. */
const builderChatter = /^( ---> |Removing intermediate container |Successfully (built|tagged) )/;
const failureTailLines = 30;

/** Follows the classic builder's output: progress per line, the step being run, and how it ended. */
class BuildOutput {
  private text = '';
  private step: { index: number; total: number; instruction: string } | undefined;
  private stepOutput: string[] = [];
  private imageId: string | undefined;

  constructor(private readonly onProgress: ((progress: BuildProgress) => void) | undefined) {}

  take(value: unknown): void {
    const message = buildMessage.parse(value);
    if (message.stream !== undefined) {
      this.text += message.stream;
      const lines = this.text.split('\n');
      this.text = lines.pop() ?? '';
      for (const line of lines) this.line(line);
    }
    if (message.aux?.ID !== undefined) this.imageId = message.aux.ID;
    const failure = message.errorDetail?.message ?? message.error;
    if (failure !== undefined) {
      if (this.text !== '') this.line(this.text);
      this.text = '';
      throw new Error(this.describeFailure(failure.trim()));
    }
  }

  finish(tag: string): void {
    if (this.text !== '') this.line(this.text);
    this.text = '';
    // The classic builder always ends with the image id or an error; neither means the stream was cut.
    if (this.imageId === undefined) throw new Error(`The image build of ${tag} ended without a result: the Docker engine closed the connection early.`);
  }

  private line(raw: string): void {
    const line = raw.replace(/\r$/, '').replace(colourCodes, '');
    const match = stepLine.exec(line);
    if (match !== null) {
      this.step = { index: Number(match[1]), total: Number(match[2]), instruction: match[3] ?? '' };
      this.stepOutput = [];
      this.onProgress?.({ line, step: this.step });
      return;
    }
    if (!builderChatter.test(line)) {
      this.stepOutput.push(line);
      if (this.stepOutput.length > failureTailLines) this.stepOutput.shift();
    }
    this.onProgress?.({ line });
  }

  private describeFailure(engineText: string): string {
    const reason = explainEngineMessage(engineText) ?? engineText;
    const where = this.step !== undefined ? `The image build failed at step ${this.step.index}/${this.step.total} (${this.step.instruction})` : 'The image build failed';
    const output = this.stepOutput.filter((line) => line.trim() !== '');
    return output.length > 0 ? `${where}: ${reason}\nLast ${output.length} lines of its output:\n${output.join('\n')}` : `${where}: ${reason}`;
  }
}

/** Event attributes that are not labels: the engine mixes both into one map. */
const nonLabelAttributes = new Set(['name', 'image', 'exitCode', 'signal', 'execID', 'execDuration', 'oldName']);

const engineEvent = z.object({
  Action: z.string(),
  Actor: z.object({ Attributes: z.record(z.string(), z.string()).optional() }),
  time: z.number().optional(),
  timeNano: z.number().optional(),
});

function containerEvent(value: unknown): ContainerEvent {
  const event = engineEvent.parse(value);
  const attributes = event.Actor.Attributes ?? {};
  const labels = Object.fromEntries(Object.entries(attributes).filter(([key]) => !nonLabelAttributes.has(key)));
  const exitCode = attributes['exitCode'];
  // timeNano is beyond double precision; in milliseconds the rounding error does not show.
  const time = event.timeNano !== undefined ? Math.floor(event.timeNano / 1e6) : (event.time ?? 0) * 1000;
  return {
    name: attributes['name'] ?? '',
    labels,
    action: event.Action,
    ...(exitCode !== undefined && /^-?\d+$/.test(exitCode) ? { exitCode: Number(exitCode) } : {}),
    time,
  };
}

const cpuStats = z.object({
  cpu_usage: z.object({ total_usage: z.number().optional(), percpu_usage: z.array(z.number()).nullish() }).optional(),
  system_cpu_usage: z.number().optional(),
  online_cpus: z.number().optional(),
});

const engineStats = z.object({
  read: z.string(),
  cpu_stats: cpuStats.optional(),
  precpu_stats: cpuStats.optional(),
  memory_stats: z.object({ usage: z.number().optional(), limit: z.number().optional(), stats: z.record(z.string(), z.number()).optional() }).optional(),
});

/** The `docker stats` CLI's arithmetic, so the numbers match what users see there. */
function resourceSample(name: string, stats: z.infer<typeof engineStats>): ResourceSample | undefined {
  const now = stats.cpu_stats;
  const before = stats.precpu_stats;
  // The first sample has no previous reading to take a difference from.
  if (now?.system_cpu_usage === undefined || before?.system_cpu_usage === undefined || before.system_cpu_usage === 0) return undefined;
  const cpuDelta = (now.cpu_usage?.total_usage ?? 0) - (before.cpu_usage?.total_usage ?? 0);
  const systemDelta = now.system_cpu_usage - before.system_cpu_usage;
  const cpus = now.online_cpus ?? now.cpu_usage?.percpu_usage?.length ?? 1;
  const cpuPercent = systemDelta > 0 && cpuDelta >= 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
  const memory = stats.memory_stats;
  const usage = memory?.usage ?? 0;
  // Page cache the kernel can drop is not use: cgroup v1 reports it as total_inactive_file, v2 as
  // inactive_file (what `docker stats` subtracts since 20.10; the older `cache` includes active pages).
  const inactive = memory?.stats?.['total_inactive_file'] ?? memory?.stats?.['inactive_file'] ?? 0;
  return {
    name,
    cpuPercent,
    memoryMb: (inactive < usage ? usage - inactive : usage) / mebibyte,
    ...(memory?.limit !== undefined && memory.limit > 0 ? { memoryLimitMb: memory.limit / mebibyte } : {}),
  };
}

/** The engine the docker CLI would use (or the one the editor's setting names): see docker-host.ts. */
export function dockerRuntimeFor(hostSetting?: string): DockerRuntime {
  const endpoint = resolveDockerEndpoint(hostSetting);
  return new DockerRuntime(new Docker(dockerodeOptions(endpoint)), endpoint.source);
}

import Docker from 'dockerode';
import { pack } from 'tar-fs';
import { FlError, throwIfCancelled } from '../../core/errors';
import type { BuildProgress, ContainerEvent, ContainerInfo, ContainerRuntime, ContainerSpec, ImageBuildRequest, RegistryAuth, RemovalReport, ResourceSample } from '../../core/ports';
import { compareVersions } from '../../core/versions';
import { BuildOutput } from './build-output';
import { containerStatus, createOptions, labelFilters } from './container-options';
import { abortable, cancelled, engineAddress, engineMessage, type ModemSettings, runtimeError, statusOf, untilAborted } from './engine-errors';
import { containerEvent, engineStats, resourceSample } from './engine-events';
import { dockerodeOptions, resolveDockerEndpoint } from './host';
import { LogFrames } from './log-frames';
import { readPushOutput, splitReference } from './push-output';
import { jsonLines, readStream } from './streams';

/**
 * ContainerRuntime over the Docker Engine API with dockerode. Requests name API 1.41 (Docker 20.10, the
 * oldest engine we support and test against), so a newer engine answers in the shapes parsed here; an
 * engine that no longer serves 1.41 is asked in the oldest version it serves, an older one in its own.
 *
 * Streaming methods (readLogs, watchEvents, watchResources) resolve, not reject, when their signal aborts:
 * aborting is how a caller stops watching. Everything else rejects with `FlError('cancelled')`.
 */

const pinnedApiVersion = '1.41';



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

  async tagImage(source: string, target: string, signal?: AbortSignal): Promise<void> {
    const { repository, tag } = splitReference(target);
    return this.call(signal, async () => {
      await this.docker.getImage(source).tag({ repo: repository, tag, ...abortable(signal) });
    });
  }

  async pushImage(reference: string, options: { readonly auth?: RegistryAuth; readonly signal?: AbortSignal; readonly onProgress?: (line: string) => void }): Promise<string> {
    const { signal, onProgress } = options;
    const { repository, tag } = splitReference(reference);
    return this.call(signal, async () => {
      const registry = repository.includes('/') ? (repository.split('/')[0] ?? '') : 'docker.io';
      // The engine wants the auth header even for a registry without auth: an empty one then.
      const authconfig = options.auth !== undefined ? { username: options.auth.username, password: options.auth.password, serveraddress: registry } : {};
      const stream = await this.docker.getImage(repository).push({ tag, authconfig, ...abortable(signal) });
      return readPushOutput(stream, reference, signal, onProgress);
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
              failures.push(`${kind} ${nameOf(item)}: ${(await runtimeError(error, signal, () => engineAddress(this.modem, this.endpointSource))).message}`);
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
      throw await runtimeError(error, signal, () => engineAddress(this.modem, this.endpointSource));
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
}

/** The engine the docker CLI would use (or the one the editor's setting names): see host.ts. */
export function dockerRuntimeFor(hostSetting?: string): DockerRuntime {
  const endpoint = resolveDockerEndpoint(hostSetting);
  return new DockerRuntime(new Docker(dockerodeOptions(endpoint)), endpoint.source);
}

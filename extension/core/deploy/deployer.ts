import { FlError, isCancelled, messageOf } from '../errors';
import { imageBuildArgs } from '../generate/deployment';
import type { GenerationPreparation } from '../generate/generation-preparation';
import type { GenerationPlan } from '../generate/manifest';
import { folderName } from '../generate/prepare-generation';
import { appName } from '../generate/runtime-input';
import type { Clock, ContainerRuntime, Logger, RegistryAuth } from '../ports';
import type { RunRecord } from '../runs/run-record';
import type { BuildContextPort, RunHistoryPort, RunOwnersPort } from '../simulate/local-simulation';
import { runSettings } from '../simulate/plan';
import { addonConfig, runAddonDeploy } from './addon';
import { capacityProblems, planDeployment, serviceSla, type DeployPlan, type PlannedService } from './deploy-plan';
import { followDeployment } from './follow';
import { isLoopbackUrl, normalUrl } from './urls';
import { pushDeployImage } from './image-push';
import { liveServices, removeRecorded, removeService } from './removal';
import type { DeployedService, DeploymentRecord, RecordRead } from './deployment-record';
import { hasStatus, OakestraError, type FlopsManagerApi, type OakestraApi, type OakestraApplication, type OakestraService, type OakestraTarget } from './oakestra-api';

/**
 * The Oakestra deploy use cases for the editor and the CLI (architecture: use cases in core over
 * ports). Deploy: generate (keeping edited files), validate the SLA and probe capacity before anything
 * is sent, build and push the simulation's image, create the application and its services (checking
 * none was dropped), request one instance per service, and follow them in plain words until the run
 * ends (or, detached, until everything runs). A deployment record keeps every id from before the first
 * create, so undeploy removes exactly what this deployment made, also after a crash.
 */

export interface DeploymentStorePort {
  /** Where the record of `target` is kept, for messages. */
  path(dir: string, target: string): string;
  read(dir: string, target: string): Promise<RecordRead | undefined>;
  write(dir: string, record: DeploymentRecord): Promise<void>;
  remove(dir: string, target: string): Promise<void>;
  /** Every record of the repository, by target name. */
  list(dir: string): Promise<{ readonly target: string; readonly read: RecordRead }[]>;
}

export interface DeployPorts {
  prepareGeneration(dir: string, options: { readonly force?: boolean; readonly signal?: AbortSignal }): Promise<GenerationPreparation>;
  applyGeneration(outDir: string, plan: GenerationPlan): Promise<void>;
  /** A file of the repository as text (the generated SLA, which the user may have edited). */
  readText(path: string): Promise<string>;
  runtime(): ContainerRuntime;
  readonly buildContext: BuildContextPort;
  readonly owners: Pick<RunOwnersPort, 'repoKey'>;
  readonly history: Pick<RunHistoryPort, 'read'>;
  readonly records: DeploymentStorePort;
  /** How the registry answers from here: TLS, plain HTTP, or not at all (with the reason). */
  registryScheme(registry: string, signal?: AbortSignal): Promise<{ readonly scheme: 'https' | 'http' } | { readonly scheme: 'unreachable'; readonly reason: string }>;
  /** An API client for the target, with its credentials (the caller holds them, never the core). */
  oakestra(target: NamedTarget): OakestraApi;
  /** The FLOps manager at `url`, calling with the Oakestra client's token. */
  flops(url: string, api: OakestraApi): FlopsManagerApi;
  readonly clock: Clock;
  randomId(): string;
  readonly logger?: Logger;
}

export interface NamedTarget extends OakestraTarget {
  /** The record's name: a settings target's name, or host-port for a URL. */
  readonly name: string;
  /** The FLOps manager (add-on mode); absent: the root's host, port 5072. */
  readonly flopsUrl?: string;
}

export type DeployEvent =
  | { readonly type: 'step'; readonly text: string }
  | { readonly type: 'warning'; readonly text: string }
  /** A service's or instance's status changed. */
  | { readonly type: 'state'; readonly service: string; readonly instance?: number; readonly status: string; readonly text: string }
  | { readonly type: 'round'; readonly round: number; readonly rounds: number; readonly text: string };

/** An event as one line of text (the CLI's output, the editor's log). */
export function deployEventLine(event: DeployEvent): string {
  return event.type === 'warning' ? `warning: ${event.text}` : event.text;
}

export interface DeployOptions {
  readonly target: NamedTarget;
  /** false: the image is already in the registry; neither build nor push. */
  readonly push?: boolean;
  readonly registryAuth?: RegistryAuth;
  /** The user marked image.registry as plain HTTP on purpose. */
  readonly insecureRegistry?: boolean;
  /** Until every instance runs, instead of until the Flower run ends. */
  readonly detach?: boolean;
  readonly force?: boolean;
  /** Add-on mode: also start a FLOps mock data provider for the project's data tag. */
  readonly mockData?: boolean;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: DeployEvent) => void;
  /** Between two polls of the services (Oakestra's data changes about every 15 s). */
  readonly pollMs?: number;
  /** How long an instance may stay pending, or failing, before the deploy gives up on it. */
  readonly stuckMs?: number;
}

export type DeployOutcome = 'unchanged' | 'running' | 'finished' | 'failed';

export type DeployResult =
  | { readonly kind: 'invalid'; readonly findings: readonly string[] }
  | { readonly kind: 'lintErrors'; readonly preparation: Extract<GenerationPreparation, { kind: 'lintErrors' }> }
  | { readonly kind: 'done'; readonly outcome: DeployOutcome; readonly message: string; readonly plan: DeployPlan; readonly record: DeploymentRecord; readonly services: readonly OakestraService[]; readonly requests: number };

export interface UndeployReport {
  readonly instances: readonly string[];
  readonly services: readonly string[];
  readonly application?: string;
  /** Nothing was recorded for the target. */
  readonly nothing: boolean;
  readonly requests: number;
}

export class OakestraDeployer {
  constructor(private readonly ports: DeployPorts) {}

  /**
   * The record of a target, or undefined; an unreadable one is an error that says why, and so is one
   * made for another Oakestra root or user than `target` (a record that came with a cloned repository
   * must not steer requests elsewhere).
   */
  async record(dir: string, target: string | NamedTarget): Promise<DeploymentRecord | undefined> {
    const name = typeof target === 'string' ? target : target.name;
    const read = await this.ports.records.read(dir, name);
    if (read === undefined) return undefined;
    const file = this.ports.records.path(dir, name);
    if (read.kind === 'unreadable') throw new FlError('invalidInput', `The deployment record ${file} cannot be used: ${read.problem}. Remove what it created by hand in Oakestra, then delete the file.`);
    const { record } = read;
    if (typeof target !== 'string' && (normalUrl(record.target.url) !== normalUrl(target.url) || record.target.username !== target.username)) {
      throw new FlError('invalidInput', `The deployment record ${file} was made for ${record.target.username} at ${record.target.url}, not ${target.username} at ${target.url}. Use that target (or --target NAME for another record), or delete the file if it came with the repository.`);
    }
    return record;
  }

  async deploy(dir: string, options: DeployOptions): Promise<DeployResult> {
    const { ports } = this;
    const { signal, target } = options;
    const emit = (event: DeployEvent): void => options.onEvent?.(event);
    const step = (text: string): void => emit({ type: 'step', text });

    const addon = await addonConfig(ports, dir);
    step(addon !== undefined ? 'Checking the repository (target "flops-addon": FLOps builds the images)' : 'Checking the repository and generating .flops/');
    const generation = await ports.prepareGeneration(dir, { ...(options.force === true ? { force: true } : {}), ...(signal !== undefined ? { signal } : {}) });
    if (generation.kind === 'lintErrors') return { kind: 'lintErrors', preparation: generation };
    if (addon !== undefined) return runAddonDeploy(ports, dir, addon, options);
    if (generation.kind === 'invalid') return { kind: 'invalid', findings: [generation.message] };
    if (generation.kind !== 'planned') return { kind: 'invalid', findings: ['The project could not be prepared for deployment.'] };
    await ports.applyGeneration(generation.outDir, generation.plan);
    const { config } = generation;
    const registry = config.image.registry;
    if (registry === undefined) return { kind: 'invalid', findings: ['flops.json sets no image.registry: Oakestra workers pull the image, so it must be pushed to a registry they reach. Set image.registry (e.g. "192.168.1.10:5000") and deploy again.'] };
    const slaPath = `${generation.outRelative}/flops.sla.json`;
    let slaText: string;
    try {
      slaText = await ports.readText(`${generation.outDir}/flops.sla.json`);
    } catch (error) {
      return { kind: 'invalid', findings: [`${slaPath} cannot be read (${messageOf(error)}). Run "flops generate" to write it.`] };
    }

    step('Hashing the build context');
    const repoName = folderName(dir);
    const name = appName(repoName);
    const files = await ports.buildContext.list(dir, signal);
    const localImage = await ports.buildContext.tag(name, dir, files, imageBuildArgs(config), signal);
    const registryBase = registry.replace(/\/+$/, '');
    const remoteImage = `${registryBase}/${localImage}`;
    const existing = await this.record(dir, target);
    const deploymentId = existing?.deploymentId ?? ports.randomId();
    const planned = planDeployment({ slaText, slaPath, config, generatedRef: `${registryBase}/${name}:latest`, localImage, remoteImage, deploymentId });
    if (planned.kind === 'invalid') return planned;
    const { plan } = planned;
    for (const warning of planned.warnings) emit({ type: 'warning', text: warning });
    if (target.url.startsWith('http://') && !isLoopbackUrl(target.url)) {
      emit({ type: 'warning', text: `Oakestra's API is plain HTTP: the password and tokens for ${target.url} cross the network unencrypted. Use it only on a network you trust (or behind a TLS proxy).` });
    }

    const api = ports.oakestra(target);
    step(`Probing ${api.url} for active clusters`);
    const clusters = await api.clusters(true, signal);
    const capacity = capacityProblems(plan, clusters);
    if (capacity.length > 0) return { kind: 'invalid', findings: capacity };

    const settings = runSettings(config);
    // The ServerApp logs to the MLflow URI baked into the image: a configured server, or compose's
    // `mlflow` service, which does not exist on Oakestra.
    const { mlflow } = config.simulation;
    const trackingUrl = mlflow.enabled ? mlflow.tracking_uri : undefined;
    if (trackingUrl !== undefined && isLoopbackUrl(trackingUrl)) {
      emit({ type: 'warning', text: `simulation.mlflow.tracking_uri (${trackingUrl}) is this machine's loopback: the deployed aggregator runs on an Oakestra worker and cannot reach it. Use an address the worker reaches.` });
    } else if (mlflow.enabled && mlflow.tracking_uri === undefined) {
      emit({ type: 'warning', text: 'The deployed ServerApp logs to MLflow at http://mlflow:5000 (the local simulation\'s service), which does not exist on Oakestra: its metrics are only in the run service\'s log. Set simulation.mlflow.tracking_uri to a tracking server the aggregator\'s worker reaches to keep them.' });
    }
    const unchanged =
      existing !== undefined &&
      existing.state === 'deployed' &&
      existing.image.remote === plan.image.remote &&
      existing.services.length === plan.services.length &&
      plan.services.every((s) => existing.services.some((e) => e.name === s.name && e.fingerprint === s.fingerprint && e.id !== undefined));
    if (unchanged && existing.application.id !== undefined) {
      const live = await liveServices(api, existing.application.id, signal);
      if (live !== undefined && existing.services.every((s) => live.some((l) => l.id === s.id))) {
        step(`Nothing changed since the last deploy (${existing.image.remote}): nothing to do.`);
        return { kind: 'done', outcome: 'unchanged', message: `Already deployed and unchanged: application ${existing.application.name} (${existing.application.id}).`, plan, record: existing, services: live, requests: api.requestCount };
      }
    }

    // The image: the one the simulation runs (same content tag), pushed where the workers pull from.
    let digest: string | undefined;
    if (options.push !== false) {
      digest = await pushDeployImage(ports, dir, plan, { files, dockerfile: `${generation.outRelative}/Dockerfile`, buildArgs: imageBuildArgs(config) }, options);
    } else {
      step(`Not pushing (--no-push): the workers must find ${plan.image.remote} in the registry.`);
    }

    const now = ports.clock.now();
    let record: DeploymentRecord = {
      v: 1,
      mode: 'generated',
      deploymentId,
      target: { name: target.name, url: target.url, username: target.username, ...(target.organization !== undefined ? { organization: target.organization } : {}) },
      state: 'creating',
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      application: { name: plan.application.name, namespace: plan.application.namespace, ...(existing?.application.id !== undefined ? { id: existing.application.id } : {}) },
      image: { local: plan.image.local, remote: plan.image.remote, pushed: options.push !== false, ...(digest !== undefined ? { digest } : {}) },
      services: existing?.services ?? [],
      config: { rounds: plan.config.rounds, strategy: plan.config.strategy, learners: plan.config.learners, environment: [...plan.config.environment], settings },
      ...(trackingUrl !== undefined ? { trackingUrl } : {}),
    };
    const save = async (next: DeploymentRecord): Promise<void> => {
      record = { ...next, updatedAt: ports.clock.now() };
      await ports.records.write(dir, record);
    };

    try {
      if (existing !== undefined && existing.state === 'creating') {
        step('An earlier deploy was interrupted: removing what it created before deploying again.');
        await removeRecorded(api, existing, emit, signal);
        record = { ...record, application: { name: plan.application.name, namespace: plan.application.namespace }, services: [] };
      }
      await save(record);
      const applicationId = record.application.id;
      const live = applicationId !== undefined ? await liveServices(api, applicationId, signal) : undefined;
      if (applicationId === undefined || live === undefined) {
        record = await this.createApplication(api, plan, record, save, emit, signal);
      } else {
        record = await this.replaceChanged(api, plan, record, live, save, emit, signal);
      }
      const appId = record.application.id ?? '';
      // One instance per service that has none yet, one after another (there is no replicas API).
      const services = await api.services(appId, signal);
      for (const service of record.services) {
        const liveService = services.find((s) => s.id === service.id);
        if (liveService === undefined || liveService.instances.length > 0 || service.instancesRequested > 0) continue;
        step(`Requesting an instance of ${service.name}`);
        await api.requestInstance(service.id ?? '', signal);
        record = { ...record, services: record.services.map((s) => (s.name === service.name ? { ...s, instancesRequested: s.instancesRequested + 1 } : s)) };
        await save(record);
      }
      await save({ ...record, state: 'deployed' });
    } catch (error) {
      if (isCancelled(error)) {
        throw new FlError('cancelled', `Deploy interrupted. What it created so far is in ${ports.records.path(dir, target.name)}: "flops deploy" starts over from it (removing that first), "flops undeploy" removes it.`);
      }
      throw error;
    }

    // Following: the deployment exists; a Ctrl-C here stops watching, not the deployment.
    try {
      const followed = await followDeployment(api, plan, record, { ...options, clock: ports.clock });
      await save({ ...record, outcome: followed.outcome, message: followed.message });
      return { kind: 'done', outcome: followed.outcome, message: followed.message, plan, record, services: followed.services, requests: api.requestCount };
    } catch (error) {
      if (isCancelled(error)) throw new FlError('cancelled', `Stopped following. The deployment keeps running on ${target.url}; "flops deployments" shows it, "flops undeploy" removes it.`);
      throw error;
    }
  }

  private async createApplication(api: OakestraApi, plan: DeployPlan, start: DeploymentRecord, save: (r: DeploymentRecord) => Promise<void>, emit: (e: DeployEvent) => void, signal?: AbortSignal): Promise<DeploymentRecord> {
    emit({ type: 'step', text: `Creating the application ${plan.application.name} (${plan.services.length} services)` });
    let apps: OakestraApplication[];
    try {
      apps = await api.createApplication(plan.sla, signal);
    } catch (error) {
      if (hasStatus(error, 422)) {
        throw new OakestraError('orchestratorRejected', `${(error as Error).message} Our own validation of the SLA found no error, so the server's schema differs from the one this extension checks (oakestra-api.md §8); its log names the field.`, 422);
      }
      if (hasStatus(error, 409)) {
        // Ours if its description carries this deployment's id (a create whose answer was lost).
        const mine = (await api.applications(signal)).find((a) => a.name === plan.application.name && a.namespace === plan.application.namespace && a.description.includes(start.deploymentId));
        if (mine === undefined) throw error;
        apps = [mine];
      } else {
        throw error;
      }
    }
    const app = apps.find((a) => a.name === plan.application.name && a.namespace === plan.application.namespace && a.description.includes(start.deploymentId));
    if (app === undefined) throw new OakestraError('orchestratorUnavailable', `Oakestra at ${api.url} answered the create without the application ${plan.application.name}. Check "flops deployments" and the system manager's log.`);
    let record: DeploymentRecord = { ...start, application: { ...start.application, id: app.id } };
    await save(record);
    const live = await api.services(app.id, signal);
    record = { ...record, services: this.matchServices(plan.services, live, record.services) };
    await save(record);
    const missing = plan.services.filter((s) => !live.some((l) => l.name === s.name));
    if (missing.length > 0) {
      // A service whose network registration failed is dropped with a 200 (§4.1): roll back, not half-deploy.
      emit({ type: 'step', text: `Oakestra dropped ${missing.map((s) => s.name).join(', ')}: removing the application again` });
      await removeRecorded(api, record, emit, signal);
      await save({ ...record, application: { name: record.application.name, namespace: record.application.namespace }, services: [] });
      throw new OakestraError('orchestratorRejected', `Oakestra at ${api.url} created ${live.length} of the ${plan.services.length} services and silently dropped ${missing.map((s) => s.name).join(', ')} (usually a failed network registration: a round-robin IP already in use, or the networking service down). The application was removed again; check the root service manager's log, then deploy again.`);
    }
    return record;
  }

  private matchServices(planned: readonly PlannedService[], live: readonly OakestraService[], before: readonly DeployedService[]): DeployedService[] {
    const out: DeployedService[] = [];
    for (const s of planned) {
      const match = live.find((l) => l.name === s.name && l.namespace === s.namespace) ?? live.find((l) => l.name === s.name);
      if (match === undefined) continue;
      const previous = before.find((b) => b.id === match.id);
      out.push({
        name: s.name,
        role: s.role,
        ...(s.learner !== undefined ? { learner: s.learner } : {}),
        id: match.id,
        fingerprint: s.fingerprint,
        ...(s.memoryMb !== undefined ? { memoryMb: s.memoryMb } : {}),
        ...(s.vcpus !== undefined ? { vcpus: s.vcpus } : {}),
        instancesRequested: previous?.instancesRequested ?? 0,
      });
    }
    return out;
  }

  /** A changed project: removes services that went or changed, adds the new and changed ones. */
  private async replaceChanged(api: OakestraApi, plan: DeployPlan, start: DeploymentRecord, live: readonly OakestraService[], save: (r: DeploymentRecord) => Promise<void>, emit: (e: DeployEvent) => void, signal?: AbortSignal): Promise<DeploymentRecord> {
    const appId = start.application.id ?? '';
    let record = start;
    const keep = record.services.filter((s) => live.some((l) => l.id === s.id) && plan.services.some((p) => p.name === s.name && p.fingerprint === s.fingerprint));
    const drop = record.services.filter((s) => !keep.includes(s));
    for (const service of drop) {
      emit({ type: 'step', text: `Replacing ${service.name} (changed or removed)` });
      await removeService(api, service, live.find((l) => l.id === service.id), emit, signal);
      record = { ...record, services: record.services.filter((s) => s !== service) };
      await save(record);
    }
    const add = plan.services.filter((p) => !keep.some((k) => k.name === p.name));
    if (add.length > 0) {
      emit({ type: 'step', text: `Adding ${add.map((s) => s.name).join(', ')}` });
      const created = await api.addServices(serviceSla(plan, appId, add), signal);
      const after = await api.services(appId, signal);
      record = { ...record, services: [...record.services, ...this.matchServices(add, after, [])] };
      await save(record);
      const missing = add.filter((s) => !after.some((l) => l.name === s.name));
      if (created.failed.length > 0 || missing.length > 0) {
        const names = [...new Set([...created.failed.map((f) => f.name), ...missing.map((m) => m.name)])];
        throw new OakestraError('orchestratorRejected', `Oakestra at ${api.url} did not add ${names.join(', ')} (${created.failed.map((f) => f.message ?? 'no reason given').join('; ') || 'silently dropped'}). The rest of the deployment is kept; deploy again, or "flops undeploy" to remove it.`);
      }
    }
    if (drop.length === 0 && add.length === 0) emit({ type: 'step', text: 'The services are unchanged.' });
    return record;
  }

  /** Removes what the target's record holds and then the record; idempotent. */
  async undeploy(dir: string, options: { readonly target: NamedTarget; readonly signal?: AbortSignal; readonly onEvent?: (event: DeployEvent) => void }): Promise<UndeployReport> {
    const record = await this.record(dir, options.target);
    if (record === undefined) return { instances: [], services: [], nothing: true, requests: 0 };
    const api = this.ports.oakestra(options.target);
    const report = await removeRecorded(api, record, (e) => options.onEvent?.(e), options.signal);
    await this.ports.records.remove(dir, options.target.name);
    return { ...report, nothing: false, requests: api.requestCount };
  }

  /** The record with the live services (undefined services: the application is gone). */
  async status(dir: string, target: NamedTarget, signal?: AbortSignal): Promise<{ readonly record: DeploymentRecord; readonly services: readonly OakestraService[] | undefined } | undefined> {
    const record = await this.record(dir, target);
    if (record === undefined) return undefined;
    if (record.application.id === undefined) return { record, services: undefined };
    return { record, services: await liveServices(this.ports.oakestra(target), record.application.id, signal) };
  }

  /** The newest local run of the repository, for parity. */
  async lastLocalRun(dir: string): Promise<RunRecord | undefined> {
    const runs = await this.ports.history.read(dir, (problem) => this.ports.logger?.warn(problem));
    return runs[0];
  }
}

import { toFlopsProjectRequest, type ProjectFile } from '../config/project-file';
import { FlError, isCancelled, messageOf } from '../errors';
import type { Clock } from '../ports';
import type { DeployEvent, DeployOptions, DeployOutcome, DeployPorts, DeployResult, DeploymentStorePort, NamedTarget } from './deployer';
import type { DeployPlan } from './deploy-plan';
import { parseProjectInput, projectFileName } from '../config/project-input';
import type { DeploymentRecord } from './deployment-record';
import { sleep } from './follow';
import type { FlopsManagerApi, OakestraApi, OakestraApplication, OakestraService } from './oakestra-api';
import { liveServices } from './removal';
import { mergeLogWindow } from './oakestra-monitor';
import { describeStatus } from './oakestra-status';

/**
 * FLOps add-on mode (`"target": "flops-addon"`, oakestra-api.md §9): the FLOps manager builds the
 * images from `ml_repo_url` and deploys the FL actors itself, as Admin. We submit the project (its
 * FLOps fields only), optionally a mock data provider, then follow what appears in Oakestra as stages:
 * the project application `proj<id>` with its builder, aggregator and learners, and the observatory's
 * progress messages; and show the MLflow tracking URL. The record keeps the project application, so
 * undeploy removes it (never the customer's shared observatory).
 */

export interface AddonOptions extends Pick<DeployOptions, 'detach' | 'signal' | 'onEvent' | 'pollMs' | 'stuckMs'> {
  readonly target: NamedTarget;
  readonly mockData?: boolean;
}

export interface AddonDeps {
  readonly api: OakestraApi;
  readonly flops: FlopsManagerApi;
  readonly records: DeploymentStorePort;
  readonly clock: Clock;
  readonly randomId: () => string;
}

export interface AddonResult {
  readonly outcome: Exclude<DeployOutcome, 'unchanged'>;
  readonly message: string;
  readonly record: DeploymentRecord;
  readonly services: readonly OakestraService[];
}

/** The FLOps manager of a target: its own URL, or the root's host on port 5072 (both CLIs assume it). */
export function flopsUrlOf(target: NamedTarget): string {
  if (target.flopsUrl !== undefined && target.flopsUrl !== '') return target.flopsUrl;
  const url = new URL(target.url);
  return `${url.protocol}//${url.hostname}:5072`;
}

const stageOf = (name: string): string =>
  name.startsWith('builder') ? 'image builder' : name.startsWith('raggr') ? 'root aggregator' : name.startsWith('caggr') ? 'cluster aggregator' : name.startsWith('aggr') ? 'aggregator' : name.startsWith('flearner') ? 'learner' : name.startsWith('trmodel') ? 'trained model' : 'service';

/** What stops an add-on submission before anything is sent. */
export function addonProblems(config: ProjectFile, clusters: readonly { active: boolean; addons: readonly string[] }[]): string[] {
  const problems: string[] = [];
  if (config.ml_repo_url === undefined) problems.push('flops.json has no ml_repo_url: FLOps clones the repository from GitHub to build the images. Set it (and push your changes).');
  if (config.ml_model_flavor === undefined) problems.push('flops.json has no ml_model_flavor: FLOps needs it to pick its base images. Set it (sklearn, pytorch or keras).');
  if (!clusters.some((c) => c.active && c.addons.includes('FLOps-learner'))) {
    problems.push('No active cluster advertises the FLOps-learner addon, so FLOps cannot place learners. Enable it on the workers (sudo NodeEngine config addon FLOps-learner on) and wait for the cluster to report.');
  }
  return problems;
}

export async function deployAddon(dir: string, config: ProjectFile, deps: AddonDeps, options: AddonOptions): Promise<AddonResult> {
  const { api, flops, clock } = deps;
  const emit = (event: DeployEvent): void => options.onEvent?.(event);
  const step = (text: string): void => emit({ type: 'step', text });
  const { signal } = options;
  step(`Checking the FLOps manager at ${flops.url}`);
  await flops.health(signal);
  const before = new Set((await api.applications(signal)).map((a) => a.id));
  const request = toFlopsProjectRequest(config);
  const now = clock.now();
  let record: DeploymentRecord = {
    v: 1,
    mode: 'flops-addon',
    deploymentId: deps.randomId(),
    target: { name: options.target.name, url: options.target.url, username: options.target.username, ...(options.target.organization !== undefined ? { organization: options.target.organization } : {}) },
    state: 'creating',
    createdAt: now,
    updatedAt: now,
    application: { name: '(FLOps project, not created yet)', namespace: 'proj' },
    image: { local: '(built by FLOps)', remote: `built by FLOps from ${config.ml_repo_url ?? '?'}`, pushed: false },
    services: [],
    config: { rounds: config.training_configuration.training_rounds, strategy: 'FedAvg (FLOps)', learners: config.training_configuration.min_available_clients, environment: [], settings: {} },
  };
  const save = async (next: DeploymentRecord): Promise<void> => {
    record = { ...next, updatedAt: clock.now() };
    await deps.records.write(dir, record);
  };
  await save(record);
  step('Submitting the project to FLOps');
  emit({ type: 'step', text: `FLOps: ${await flops.submitProject(request, signal)}` });
  if (options.mockData === true) {
    const tag = config.training_configuration.data_tags[0] ?? '';
    const mock = await flops.submitMockData({ customerID: config.customerID, mock_data_configuration: { dataset_name: 'mnist', number_of_partitions: config.training_configuration.min_available_clients, data_tag: tag } }, signal);
    step(`FLOps: ${mock}`);
  }
  try {
    const tracking = await flops.trackingUrl(config.customerID, signal);
    record = { ...record, trackingUrl: tracking };
    await save(record);
    step(`MLflow tracking of this customer: ${tracking} (FLOps logs one run per round there)`);
  } catch (error) {
    emit({ type: 'warning', text: `No MLflow tracking URL yet: ${messageOf(error)}` });
  }

  const pollMs = options.pollMs ?? 5000;
  const stuckMs = options.stuckMs ?? 30 * 60_000;
  const started = clock.now();
  const seen = new Map<string, string>();
  let observerLog = '';
  let project: OakestraApplication | undefined;
  let ran = false;
  for (;;) {
    await sleep(clock, pollMs, signal);
    const apps = await api.applications(signal);
    project ??= apps.find((a) => !before.has(a.id) && a.namespace === 'proj');
    // The observatory is the customer's progress inbox: its observer's log tail carries FLOps' messages.
    const observatory = apps.find((a) => a.name === 'observatory');
    if (observatory !== undefined) {
      const observer = (await api.services(observatory.id, signal)).find((s) => s.name.startsWith('observ'));
      const tail = observer?.instances[0]?.logs ?? '';
      const merged = mergeLogWindow(observerLog, tail);
      for (const line of merged.slice(observerLog.length).split('\n').filter((l) => l.trim() !== '')) step(`FLOps observer: ${line}`);
      observerLog = merged;
    }
    if (project === undefined) {
      if (clock.now() - started > stuckMs) return { outcome: 'failed', message: `FLOps did not create the project application within ${Math.round(stuckMs / 60_000)} min. Check the FLOps manager's log (and the observer's messages above).`, record, services: [] };
      continue;
    }
    if (record.application.id === undefined) {
      record = { ...record, application: { name: project.name, namespace: project.namespace, id: project.id } };
      await save(record);
      step(`FLOps created the project application ${project.name}`);
    }
    const services = await liveServices(api, project.id, signal);
    if (services === undefined) {
      if (ran) return { outcome: 'finished', message: `The FLOps project ${project.name} finished and FLOps removed it.`, record, services: [] };
      return { outcome: 'failed', message: `The FLOps project application ${project.name} disappeared before training ran.`, record, services: [] };
    }
    record = { ...record, services: services.map((s) => ({ name: s.name, role: s.name.startsWith('flearner') ? ('learner' as const) : s.name.startsWith('builder') ? ('starter' as const) : ('aggregator' as const), id: s.id, fingerprint: '', instancesRequested: s.instances.length })) };
    for (const service of services) {
      for (const instance of service.instances) {
        const key = `${service.name}#${instance.number}`;
        if (seen.get(key) === instance.status) continue;
        seen.set(key, instance.status);
        emit({ type: 'state', service: service.name, instance: instance.number, status: instance.status, text: `${stageOf(service.name)} ${service.name} #${instance.number}: ${describeStatus(instance.status).meaning}${instance.detail !== '' ? ` (${instance.detail})` : ''}` });
        if (instance.status === 'FAILED' && !service.name.startsWith('flearner')) {
          await save(record);
          return { outcome: 'failed', message: `FLOps' ${stageOf(service.name)} ${service.name} failed${instance.detail !== '' ? ` (${instance.detail})` : ''}. Its log ends: ${instance.logs.trim().split('\n').slice(-3).join(' | ') || '(empty)'}`, record, services };
        }
      }
    }
    const actors = services.filter((s) => s.name.startsWith('aggr') || s.name.startsWith('raggr') || s.name.startsWith('flearner'));
    const running = actors.length > 0 && actors.every((s) => s.instances.length > 0 && s.instances.every((i) => i.status === 'RUNNING'));
    if (running) ran = true;
    if (running && options.detach === true) {
      await save({ ...record, state: 'deployed' });
      return { outcome: 'running', message: `FLOps' aggregator and ${actors.length - 1} learner(s) run${record.trackingUrl !== undefined ? `; training metrics in MLflow at ${record.trackingUrl}` : ''}.`, record, services };
    }
    if (ran && actors.length === 0) {
      await save({ ...record, state: 'deployed' });
      return { outcome: 'finished', message: `FLOps finished training and removed the FL actors${record.trackingUrl !== undefined ? `; the metrics are in MLflow at ${record.trackingUrl}` : ''}.`, record, services };
    }
    if (clock.now() - started > stuckMs) {
      await save(record);
      throw new FlError('invalidInput', `The FLOps project has not trained within ${Math.round(stuckMs / 60_000)} min. "flops deployments" shows its services; "flops undeploy" removes its application.`);
    }
  }
}

/** The project file when it targets the FLOps add-on (which builds and deploys by itself). */
export async function addonConfig(ports: Pick<DeployPorts, 'readText'>, dir: string): Promise<ProjectFile | undefined> {
  let text: string;
  try {
    text = await ports.readText(`${dir}/${projectFileName}`);
  } catch {
    return undefined;
  }
  const config = parseProjectInput(projectFileName, text).config;
  return config?.target === 'flops-addon' ? config : undefined;
}

export async function runAddonDeploy(ports: DeployPorts, dir: string, config: ProjectFile, options: DeployOptions): Promise<DeployResult> {
  const api = ports.oakestra(options.target);
  options.onEvent?.({ type: 'step', text: `Probing ${api.url} for active clusters with the FLOps-learner addon` });
  const problems = addonProblems(config, await api.clusters(true, options.signal));
  if (problems.length > 0) return { kind: 'invalid', findings: problems };
  const flops = ports.flops(flopsUrlOf(options.target), api);
  try {
    const result = await deployAddon(dir, config, { api, flops, records: ports.records, clock: ports.clock, randomId: () => ports.randomId() }, { ...options, ...(options.mockData === true ? { mockData: true } : {}) });
    const plan: DeployPlan = { application: { name: result.record.application.name, namespace: 'proj', description: 'FLOps project' }, image: { local: result.record.image.local, remote: result.record.image.remote }, services: [], sla: {}, config: { ...result.record.config } };
    return { kind: 'done', outcome: result.outcome, message: result.message, plan, record: result.record, services: result.services, requests: api.requestCount };
  } catch (error) {
    if (isCancelled(error)) throw new FlError('cancelled', `Stopped following. The FLOps project keeps going on ${options.target.url}; "flops deployments" shows it, "flops undeploy" removes its application.`);
    throw error;
  }
}

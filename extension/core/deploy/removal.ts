import { FlError } from '../errors';
import { hasStatus, type OakestraApi, type OakestraService } from './oakestra-api';
import type { DeployEvent, UndeployReport } from './deployer';
import type { DeployedService, DeploymentRecord } from './deployment-record';

/**
 * Removing what a deployment created: instances one by one (never -1, unreliable upstream), then the
 * services, then the application; something already gone is not an error, so removal is idempotent.
 */

/** Deleting something that is already gone is not an error for undeploy (idempotent). */
function alreadyGone(error: unknown): boolean {
  return hasStatus(error, 404) || hasStatus(error, 500) || hasStatus(error, 501);
}

/** The application's services, or undefined when the application is gone (deleted outside this tool). */
export async function liveServices(api: OakestraApi, applicationId: string, signal?: AbortSignal): Promise<OakestraService[] | undefined> {
  try {
    return await api.services(applicationId, signal);
  } catch (error) {
    if (hasStatus(error, 404)) return undefined;
    throw error;
  }
}

export async function removeService(api: OakestraApi, service: DeployedService, live: OakestraService | undefined, emit: (e: DeployEvent) => void, signal?: AbortSignal): Promise<string[]> {
  const removed: string[] = [];
  for (const instance of live?.instances ?? []) {
    if (instance.number < 0) continue;
    try {
      await api.removeInstance(service.id ?? '', instance.number, signal);
      removed.push(`${service.name}#${instance.number}`);
      emit({ type: 'state', service: service.name, instance: instance.number, status: 'UNDEPLOYED', text: `${service.name} #${instance.number}: removed` });
    } catch (error) {
      if (!alreadyGone(error)) throw error;
    }
  }
  try {
    await api.deleteService(service.id ?? '', signal);
  } catch (error) {
    if (!alreadyGone(error)) throw error;
  }
  return removed;
}

/** Removes what a record holds: instances one by one, services, then the application (if it was found). */
export async function removeRecorded(api: OakestraApi, record: DeploymentRecord, emit: (e: DeployEvent) => void, signal?: AbortSignal): Promise<Omit<UndeployReport, 'nothing' | 'requests'>> {
  // Records come with cloned repositories: only an application of the caller that is provably this
  // deployment's is removed (ours carry the deployment id in their description; FLOps' are proj<id>).
  const apps = await api.applications(signal);
  const mine = (a: (typeof apps)[number]): boolean => (record.mode === 'flops-addon' ? a.namespace === 'proj' && /^proj[0-9a-f]+$/.test(a.name) && a.name === record.application.name : a.description.includes(`[flops-deployment ${record.deploymentId}]`));
  let appId = record.application.id;
  if (appId === undefined) {
    // Created, but the process died before it could write the id: found by the id in its description.
    appId = apps.find((a) => a.name === record.application.name && a.namespace === record.application.namespace && mine(a))?.id;
    if (appId === undefined) return { instances: [], services: [] };
  }
  const app = apps.find((a) => a.id === appId);
  if (app === undefined) return { instances: [], services: [] };
  if (!mine(app)) {
    throw new FlError('invalidInput', `The application ${app.name} (${app.id}) on ${api.url} was not created by this deployment record (${record.mode === 'flops-addon' ? 'it is not the FLOps project the record names' : 'its description lacks the record\'s deployment id'}), so it is not removed. If the record came with the repository rather than from your own deploy, delete .flops/deployments/${record.target.name}.json.`);
  }
  const live = (await liveServices(api, appId, signal)) ?? [];
  const instances: string[] = [];
  const services: string[] = [];
  // Recorded services first; then whatever else sits in the application this deployment created.
  const recorded = record.services.filter((s) => s.id !== undefined);
  const others: DeployedService[] = live.filter((l) => !recorded.some((r) => r.id === l.id)).map((l) => ({ name: l.name, role: 'learner', id: l.id, fingerprint: '', instancesRequested: 0 }));
  for (const service of [...recorded, ...others]) {
    const liveService = live.find((l) => l.id === service.id);
    if (liveService === undefined) continue;
    instances.push(...(await removeService(api, service, liveService, emit, signal)));
    services.push(service.name);
  }
  try {
    await api.deleteApplication(appId, signal);
  } catch (error) {
    if (!alreadyGone(error)) throw error;
  }
  return { instances, services, application: `${record.application.name} (${appId})` };
}

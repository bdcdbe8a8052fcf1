import { oakestraSlaSchema } from '../config/oakestra-sla';
import type { ProjectFile } from '../config/project-file';
import { simulationLearners } from '../config/project-file';
import { checkSlaSemantics, slaChecks } from '../config/sla-checks';
import { fnv1a } from '../generate/deployment';
import type { OakestraCluster } from './oakestra-api';

/**
 * What a deploy sends, derived from the generated SLA (`.flops/flops.sla.json`, as the user may have
 * edited it) and the image the simulation runs: the SLA with every service's `code` pointing at the
 * pushed, content-tagged image; one entry per service with a fingerprint, so a re-deploy keeps what is
 * unchanged and replaces only what changed. Pure.
 */

export type ServiceRole = 'aggregator' | 'learner' | 'starter';

export interface PlannedService {
  readonly name: string;
  readonly namespace: string;
  readonly role: ServiceRole;
  /** 1-based, for learners. */
  readonly learner?: number;
  readonly memoryMb?: number;
  readonly vcpus?: number;
  readonly clusters: readonly string[];
  readonly fingerprint: string;
  /** The SLA entry as sent. */
  readonly microservice: Readonly<Record<string, unknown>>;
}

export interface DeployPlan {
  readonly application: { readonly name: string; readonly namespace: string; readonly description: string };
  readonly image: { readonly local: string; readonly remote: string };
  readonly services: readonly PlannedService[];
  /** The SLA as sent (one application). */
  readonly sla: Readonly<Record<string, unknown>>;
  readonly config: { readonly rounds: number; readonly strategy: string; readonly learners: number; readonly environment: readonly string[] };
}

export type PlanResult = { readonly kind: 'plan'; readonly plan: DeployPlan; readonly warnings: readonly string[] } | { readonly kind: 'invalid'; readonly findings: readonly string[] };

/** A stable JSON text of a value (keys sorted), for fingerprints. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function fingerprint(value: unknown): string {
  const text = stableJson(value);
  return `${fnv1a(text).toString(16).padStart(8, '0')}${fnv1a(`${text.length}:${text}`).toString(16).padStart(8, '0')}`;
}

function roleOf(name: string): { role: ServiceRole; learner?: number } {
  if (name === 'aggr') return { role: 'aggregator' };
  if (name === 'run') return { role: 'starter' };
  const learner = /^learner(\d+)$/.exec(name);
  return learner !== null ? { role: 'learner', learner: Number(learner[1]) } : { role: 'learner' };
}

function where(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(document)';
}

/**
 * Validates the SLA text with the schema layer and the semantic checks (errors block the deploy,
 * warnings are returned), and plans the deployment. `generatedRef` is the `code` the generator wrote;
 * services with that `code` get `remoteImage` instead, services the user pointed elsewhere keep theirs.
 */
export function planDeployment(input: { readonly slaText: string; readonly slaPath: string; readonly config: ProjectFile; readonly generatedRef: string; readonly localImage: string; readonly remoteImage: string; readonly deploymentId: string }): PlanResult {
  let json: unknown;
  try {
    json = JSON.parse(input.slaText);
  } catch (error) {
    return { kind: 'invalid', findings: [`${input.slaPath} is not JSON (${error instanceof Error ? error.message : String(error)}). Fix it, or delete it and run "flops generate" to get the generated one back.`] };
  }
  const parsed = oakestraSlaSchema.safeParse(json);
  const findings: string[] = [];
  if (!parsed.success) for (const issue of parsed.error.issues) findings.push(`${input.slaPath}: ${where(issue.path)}: ${issue.message} (${slaChecks.schema.id})`);
  const warnings: string[] = [];
  for (const issue of checkSlaSemantics(json)) {
    const severity = issue.severity ?? slaChecks[issue.check].severity;
    const text = `${input.slaPath}: ${where(issue.path)}: ${issue.message} (${slaChecks[issue.check].id})`;
    if (severity === 'error') findings.push(text);
    else warnings.push(text);
  }
  if (findings.length > 0 || !parsed.success) return { kind: 'invalid', findings };
  const sla = json as { applications: Record<string, unknown>[] } & Record<string, unknown>;
  if (sla.applications.length !== 1) return { kind: 'invalid', findings: [`${input.slaPath}: a deployment is one application; this SLA has ${sla.applications.length}.`] };
  const app = sla.applications[0] as Record<string, unknown> & { microservices: Record<string, unknown>[] };
  const description = `${typeof app['application_desc'] === 'string' ? app['application_desc'] : ''} [flops-deployment ${input.deploymentId}]`.trim();
  const microservices = app.microservices.map((ms): Record<string, unknown> => (ms['code'] === input.generatedRef ? { ...ms, code: input.remoteImage } : { ...ms }));
  const services = microservices.map((ms): PlannedService => {
    const name = String(ms['microservice_name']);
    const constraints = Array.isArray(ms['constraints']) ? (ms['constraints'] as { type?: unknown; cluster?: unknown }[]) : [];
    return {
      name,
      namespace: String(ms['microservice_namespace']),
      ...roleOf(name),
      ...(typeof ms['memory'] === 'number' ? { memoryMb: ms['memory'] } : {}),
      ...(typeof ms['vcpus'] === 'number' ? { vcpus: ms['vcpus'] } : {}),
      clusters: constraints.filter((c) => c.type === 'direct' && typeof c.cluster === 'string').map((c) => String(c.cluster)),
      fingerprint: fingerprint(ms),
      microservice: ms,
    };
  });
  const environment = [...new Set(microservices.flatMap((ms) => (Array.isArray(ms['environment']) ? (ms['environment'] as unknown[]).map(String) : [])))].sort();
  return {
    kind: 'plan',
    warnings,
    plan: {
      application: { name: String(app['application_name']), namespace: String(app['application_namespace']), description },
      image: { local: input.localImage, remote: input.remoteImage },
      services,
      sla: { ...sla, applications: [{ ...app, applicationID: '', application_desc: description, microservices }] },
      config: { rounds: input.config.training_configuration.training_rounds, strategy: input.config.flower.strategy.name, learners: simulationLearners(input.config), environment },
    },
  };
}

/** The SLA that adds only `services` to the existing application `applicationId` (`POST /api/service/`). */
export function serviceSla(plan: DeployPlan, applicationId: string, services: readonly PlannedService[]): Record<string, unknown> {
  const app = (plan.sla['applications'] as Record<string, unknown>[])[0] ?? {};
  return { ...plan.sla, applications: [{ ...app, applicationID: applicationId, microservices: services.map((s) => s.microservice) }] };
}

/**
 * What the capacity probe finds wrong: nothing is schedulable without an active cluster; a service
 * asking for more memory or CPU than any (allowed) active cluster offers stays NoActiveClusterWithCapacity.
 */
export function capacityProblems(plan: DeployPlan, clusters: readonly OakestraCluster[]): string[] {
  const active = clusters.filter((c) => c.active);
  if (active.length === 0) return ['No Oakestra cluster is active (none reported to the root within 30 s): nothing can be scheduled. Check that the cluster orchestrators run and reach the root (port 50052).'];
  const problems: string[] = [];
  for (const service of plan.services) {
    const allowed = service.clusters.length > 0 ? active.filter((c) => service.clusters.includes(c.name)) : active;
    if (service.clusters.length > 0 && allowed.length === 0) {
      problems.push(`${service.name} is constrained to ${service.clusters.join(', ')}, which ${service.clusters.length > 1 ? 'are' : 'is'} not active (active: ${active.map((c) => c.name).join(', ')}). Fix oakestra.clusters in flops.json.`);
      continue;
    }
    const fits = allowed.filter((c) => (service.memoryMb ?? 0) <= c.memoryMb && (service.vcpus ?? 0) <= c.vcpus && (c.virtualization.length === 0 || c.virtualization.includes('docker')));
    if (fits.length === 0) {
      const best = [...allowed].sort((a, b) => b.memoryMb - a.memoryMb)[0];
      problems.push(
        `${service.name} asks for ${service.memoryMb ?? 0} MB and ${service.vcpus ?? 0} CPU, but no active cluster${service.clusters.length > 0 ? ` among ${service.clusters.join(', ')}` : ''} has that much free with the container runtime (the largest, ${best?.name ?? '?'}, has ${best?.memoryMb ?? 0} MB and ${best?.vcpus ?? 0} CPU): it would stay NoActiveClusterWithCapacity. Lower simulation.learner_resources / learner_profiles in flops.json, or add capacity.`,
      );
    }
  }
  return problems;
}

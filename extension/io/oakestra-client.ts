import { httpExchange, type Answer } from './http-exchange';
import { OakestraError, type OakestraApi, type OakestraApplication, type OakestraCluster, type OakestraInstance, type OakestraService, type OakestraTarget, type ServiceCreation } from '../core/deploy/oakestra-api';

/**
 * The Oakestra system manager's REST API over undici (oakestra-api.md §2–§5), for `flops deploy` and
 * the editor. One tolerant decoder reads every answer: JSON typed text/html, JSON double-encoded as a
 * JSON string, `_id` as a string or `{"$oid"}`. Paths are the exact registered forms (collections with
 * a trailing slash, items without) and redirects are never followed. Tokens: login, refresh about 60 s
 * before the access token's `exp` and once on an auth error, then log in again, then a clear error.
 * Errors never rely on the server's `message` (it is usually lost): each status is mapped to a hint.
 */

export interface OakestraClientOptions {
  readonly target: OakestraTarget;
  readonly password: string;
  /** Per request (headers and body); 30 s like the oak CLI. */
  readonly timeoutMs?: number;
  /** Seconds before `exp` at which the access token is refreshed. */
  readonly refreshMarginSeconds?: number;
  /** Milliseconds since the epoch (tests shift it). */
  readonly now?: () => number;
}

type Dialect = 'jwt' | 'custom' | 'none';


/** Parses an answer whatever its Content-Type; a JSON string holding JSON is parsed again (§3.1). */
export function decodeOakestra(text: string): unknown {
  if (text.trim() === '') return undefined;
  let value: unknown = JSON.parse(text);
  if (typeof value === 'string') {
    const inner = value.trim();
    if (inner.startsWith('{') || inner.startsWith('[') || inner === 'null') value = JSON.parse(inner);
  }
  return value;
}

/** `"abc"` or `{"$oid": "abc"}` as `"abc"`; anything else as "". */
export function oakestraId(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { $oid?: unknown }).$oid === 'string') return (value as { $oid: string }).$oid;
  return '';
}

/** The `exp` claim of a JWT (seconds), or undefined when it cannot be read. */
export function tokenExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}

function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : fallback;
}

function num(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null) : [];
}

function parseApplication(doc: Record<string, unknown>): OakestraApplication {
  return {
    id: str(doc['applicationID']) || oakestraId(doc['_id']),
    name: str(doc['application_name'], str(doc['app_name'])),
    namespace: str(doc['application_namespace'], str(doc['app_ns'])),
    description: str(doc['application_desc']),
    serviceIds: Array.isArray(doc['microservices']) ? doc['microservices'].map((s) => (typeof s === 'string' ? s : oakestraId(s))).filter((s) => s !== '') : [],
  };
}

function parseInstance(doc: Record<string, unknown>): OakestraInstance {
  const cpu = num(doc['cpu_percent']);
  const memory = num(doc['memory_percent']);
  return {
    number: num(doc['instance_number']) ?? -1,
    status: str(doc['status'], 'unknown'),
    detail: str(doc['status_detail']),
    clusterId: str(doc['cluster_id']),
    publicIp: str(doc['publicip'], str(doc['host_ip'])),
    ...(cpu !== undefined ? { cpuPercent: cpu } : {}),
    ...(memory !== undefined ? { memoryPercent: memory } : {}),
    logs: str(doc['logs']),
  };
}

function parseService(doc: Record<string, unknown>): OakestraService {
  return {
    id: str(doc['microserviceID']) || oakestraId(doc['_id']),
    applicationId: str(doc['applicationID']),
    name: str(doc['microservice_name'], str(doc['service_name'])),
    namespace: str(doc['microservice_namespace'], str(doc['service_ns'])),
    status: str(doc['status'], 'unknown'),
    detail: str(doc['status_detail']),
    image: str(doc['image'], str(doc['code'])),
    instances: records(doc['instance_list']).map(parseInstance),
  };
}

function parseCluster(doc: Record<string, unknown>): OakestraCluster {
  const cpu = num(doc['cpu_percent'] ?? doc['aggregated_cpu_percent']);
  const memory = num(doc['memory_percent']);
  return {
    id: oakestraId(doc['_id']),
    name: str(doc['candidate_name'], str(doc['cluster_name'])),
    active: doc['active'] === true,
    activeNodes: num(doc['active_nodes']) ?? 0,
    vcpus: num(doc['vcpus'] ?? doc['total_cpu_cores']) ?? 0,
    memoryMb: num(doc['memory'] ?? doc['memory_in_mb']) ?? 0,
    ...(cpu !== undefined ? { cpuPercent: cpu } : {}),
    ...(memory !== undefined ? { memoryPercent: memory } : {}),
    virtualization: Array.isArray(doc['virtualization']) ? doc['virtualization'].map((v) => str(v)) : [],
    addons: Array.isArray(doc['supported_addons']) ? doc['supported_addons'].map((v) => str(v)) : [],
  };
}

/** Whether an answer is an auth guard's error (`{"msg"}` or `{"message"}` on 401/422), worth a refresh. */
function isAuthFailure(answer: Answer): boolean {
  if (answer.status !== 401 && answer.status !== 422) return false;
  try {
    const body = decodeOakestra(answer.text) as Record<string, unknown> | undefined;
    return typeof body?.['msg'] === 'string' || typeof body?.['message'] === 'string';
  } catch {
    return false;
  }
}

export class OakestraClient implements OakestraApi {
  readonly url: string;
  private access: { token: string; exp: number } | undefined;
  private refreshToken: string | undefined;
  private userOid: string | undefined;
  private requests = 0;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly options: OakestraClientOptions) {
    let url: URL;
    try {
      url = new URL(options.target.url);
    } catch {
      throw new OakestraError('invalidInput', `"${options.target.url}" is not a URL; the Oakestra system manager is an address such as http://192.168.1.10:10000.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OakestraError('invalidInput', `"${options.target.url}" is not an http(s) URL; the Oakestra system manager is an address such as http://192.168.1.10:10000.`);
    this.url = url.href.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  get requestCount(): number {
    return this.requests;
  }

  private get who(): string {
    return `${this.options.target.username}${this.options.target.organization !== undefined ? ` (organization ${this.options.target.organization})` : ''}`;
  }

  /** One HTTP exchange; network failures become errors that name the URL and what to check. */
  private send(method: string, path: string, init: { body?: unknown; token?: string }, signal?: AbortSignal): Promise<Answer> {
    this.requests++;
    return httpExchange({ base: this.url, service: 'Oakestra', hint: 'Check the system manager address and port (10000 by default) and that this machine can reach it.', method, path, ...init, timeoutMs: this.timeoutMs, ...(signal !== undefined ? { signal } : {}) });
  }

  /** The decoded body of a 2xx answer, or an error that says what the status means for this call. */
  private decode(method: string, path: string, answer: Answer, action: string): unknown {
    if (answer.status >= 300) throw this.statusError(method, path, answer, action);
    try {
      return decodeOakestra(answer.text);
    } catch {
      throw new OakestraError('orchestratorUnavailable', `Oakestra at ${this.url} did not answer ${method} ${path} with JSON (${answer.text.slice(0, 80).replace(/\s+/g, ' ')}…). Check that the URL points at the system manager (port 10000), not at the dashboard.`, answer.status);
    }
  }

  private statusError(method: string, path: string, answer: Answer, action: string): OakestraError {
    const { status } = answer;
    const where = `Oakestra at ${this.url}`;
    const hints: Record<number, string> = {
      308: `redirected ${method} ${path} (308): this client calls the exact registered paths, so the server is not the Oakestra version it expects`,
      400: `refused to ${action} (400, the answer to every service-create failure: an invalid service, an unknown application or id)`,
      401: `refused the credentials of ${this.who} (401)`,
      403: `refused to ${action}: ${this.who} lacks the Admin role (403)`,
      404: `could not ${action}: not found, or not owned by ${this.who} (404)`,
      409: `refused to ${action}: an application with this name and namespace already exists for ${this.who} (409). Undeploy it (flops undeploy) or rename the application`,
      422: `refused to ${action}: the SLA does not pass its schema (422; the server does not say why)`,
      500: `failed to ${action} (500: an unsupported sla_version, or a failure in the backend; the system manager's log says which)`,
      501: `could not ${action} (501: unknown or not owned by ${this.who}, or not implemented by this server)`,
    };
    const hint = hints[status] ?? `answered ${method} ${path} with ${status} while trying to ${action}`;
    // 502–504 come from a proxy in front of a system manager that is down.
    return new OakestraError(status >= 502 ? 'orchestratorUnavailable' : 'orchestratorRejected', `${where} ${hint}.`, status, answer.text.slice(0, 500));
  }

  // --- tokens ---------------------------------------------------------------------------------------

  private async login(signal?: AbortSignal): Promise<string> {
    const { target, password } = this.options;
    const body = { username: target.username, password, ...(target.organization !== undefined ? { organization_name: target.organization } : {}) };
    const answer = await this.send('POST', '/api/auth/login', { body }, signal);
    if (answer.status === 401) throw new OakestraError('orchestratorRejected', `Oakestra at ${this.url} refused the username or password of ${this.who} (401). Check them: "FLOps: Set Oakestra Password" in the editor, FLOPS_OAKESTRA_PASSWORD or --password-stdin for the CLI.`, 401);
    if (answer.status === 404) throw new OakestraError('orchestratorRejected', `Oakestra at ${this.url} does not know the organization "${target.organization ?? 'root'}" (404). Check the target's organization, or leave it empty for the default one.`, 404);
    const parsed = this.decode('POST', '/api/auth/login', answer, 'log in') as { token?: unknown; refresh_token?: unknown } | undefined;
    if (typeof parsed?.token !== 'string') throw new OakestraError('orchestratorUnavailable', `Oakestra at ${this.url} answered the login without a token. Check that the URL points at the system manager (port 10000).`);
    this.setAccess(parsed.token);
    this.refreshToken = typeof parsed.refresh_token === 'string' ? parsed.refresh_token : undefined;
    return parsed.token;
  }

  private setAccess(token: string): void {
    // A token whose expiry cannot be read is used until the server refuses it.
    this.access = { token, exp: tokenExpiry(token) ?? Number.POSITIVE_INFINITY };
  }

  /** A new access token from the refresh token; undefined when the server refuses it (expired, revoked). */
  private async refresh(signal?: AbortSignal): Promise<string | undefined> {
    if (this.refreshToken === undefined) return undefined;
    const answer = await this.send('POST', '/api/auth/refresh', { token: this.refreshToken }, signal);
    if (answer.status === 401 || answer.status === 404 || answer.status === 422) {
      this.refreshToken = undefined;
      return undefined;
    }
    const parsed = this.decode('POST', '/api/auth/refresh', answer, 'refresh the access token') as { token?: unknown } | undefined;
    if (typeof parsed?.token !== 'string') return undefined;
    this.setAccess(parsed.token);
    return parsed.token;
  }

  /** A usable access token: refreshed shortly before it expires, a new login when refreshing fails. */
  private async token(signal?: AbortSignal): Promise<string> {
    const margin = this.options.refreshMarginSeconds ?? 60;
    if (this.access !== undefined && this.access.exp - margin > this.now() / 1000) return this.access.token;
    if (this.access !== undefined) {
      const refreshed = await this.refresh(signal);
      if (refreshed !== undefined) return refreshed;
    }
    return this.login(signal);
  }

  /** A protected call: on an auth error, refresh once and retry, then log in again and retry. */
  private async authed(method: string, path: string, dialect: Dialect, action: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    let answer = await this.send(method, path, { token: await this.token(signal), ...(body !== undefined ? { body } : {}) }, signal);
    if (dialect !== 'none' && isAuthFailure(answer)) {
      const refreshed = await this.refresh(signal);
      if (refreshed !== undefined) answer = await this.send(method, path, { token: refreshed, ...(body !== undefined ? { body } : {}) }, signal);
      if (isAuthFailure(answer)) {
        answer = await this.send(method, path, { token: await this.login(signal), ...(body !== undefined ? { body } : {}) }, signal);
        if (isAuthFailure(answer)) throw new OakestraError('orchestratorRejected', `Oakestra at ${this.url} refused a fresh token of ${this.who} for ${method} ${path} (${answer.status}). The server's clock or its token service may be wrong; check the system manager and jwt-generator logs.`, answer.status);
      }
    }
    return this.decode(method, path, answer, action);
  }

  // --- API ------------------------------------------------------------------------------------------

  async accessToken(signal?: AbortSignal): Promise<string> {
    return this.token(signal);
  }

  async clusters(activeOnly: boolean, signal?: AbortSignal): Promise<OakestraCluster[]> {
    const path = activeOnly ? '/api/clusters/active' : '/api/clusters/';
    const answer = await this.send('GET', path, {}, signal);
    const body = this.decode('GET', path, answer, 'list the clusters');
    if (!Array.isArray(body)) throw new OakestraError('orchestratorUnavailable', `Oakestra at ${this.url} did not answer ${path} with a list of clusters. Check that the URL points at the system manager (port 10000).`);
    return records(body).map(parseCluster);
  }

  /** The caller's Mongo id (`GET /api/user/<name>`); the password hash it also returns is dropped at once. */
  private async ownId(signal?: AbortSignal): Promise<string> {
    if (this.userOid !== undefined) return this.userOid;
    const doc = (await this.authed('GET', `/api/user/${encodeURIComponent(this.options.target.username)}`, 'custom', 'read the user', undefined, signal)) as Record<string, unknown> | null;
    const id = oakestraId(doc?.['_id']);
    if (id === '') throw new OakestraError('orchestratorUnavailable', `Oakestra at ${this.url} answered the user ${this.options.target.username} without an id.`);
    this.userOid = id;
    return id;
  }

  async applications(signal?: AbortSignal): Promise<OakestraApplication[]> {
    const body = await this.authed('GET', `/api/applications/${await this.ownId(signal)}`, 'jwt', 'list your applications', undefined, signal);
    return records(body).map(parseApplication);
  }

  async createApplication(sla: unknown, signal?: AbortSignal): Promise<OakestraApplication[]> {
    const body = await this.authed('POST', '/api/application/', 'jwt', 'create the application', sla, signal);
    return records(body).map(parseApplication);
  }

  async deleteApplication(id: string, signal?: AbortSignal): Promise<void> {
    await this.authed('DELETE', `/api/application/${encodeURIComponent(id)}`, 'jwt', `delete the application ${id}`, undefined, signal);
  }

  async services(applicationId: string, signal?: AbortSignal): Promise<OakestraService[]> {
    const body = await this.authed('GET', `/api/services/${encodeURIComponent(applicationId)}`, 'custom', `list the services of the application ${applicationId}`, undefined, signal);
    // Some versions returned every application's services here (oakestra#406): filter as both CLIs do.
    return records(body)
      .map(parseService)
      .filter((s) => s.applicationId === '' || s.applicationId === applicationId);
  }

  async addServices(sla: unknown, signal?: AbortSignal): Promise<ServiceCreation> {
    const body = (await this.authed('POST', '/api/service/', 'custom', 'add the services', sla, signal)) as Record<string, unknown> | undefined;
    return {
      deployed: records(body?.['deployed_services']).map((s) => str(s['service_name'])),
      failed: records(body?.['failed_services']).map((s) => ({ name: str(s['service_name']), ...(typeof s['message'] === 'string' ? { message: s['message'] } : {}) })),
    };
  }

  async deleteService(id: string, signal?: AbortSignal): Promise<void> {
    await this.authed('DELETE', `/api/service/${encodeURIComponent(id)}`, 'custom', `delete the service ${id}`, undefined, signal);
  }

  async requestInstance(serviceId: string, signal?: AbortSignal): Promise<void> {
    await this.authed('POST', `/api/service/${encodeURIComponent(serviceId)}/instance`, 'custom', `deploy an instance of the service ${serviceId}`, undefined, signal);
  }

  async removeInstance(serviceId: string, instance: number, signal?: AbortSignal): Promise<void> {
    if (!Number.isInteger(instance) || instance < 0) throw new OakestraError('invalidInput', `Instance numbers are non-negative integers (got ${instance}); -1 ("all") is unreliable upstream and never sent.`);
    await this.authed('DELETE', `/api/service/${encodeURIComponent(serviceId)}/instance/${instance}`, 'custom', `remove instance ${instance} of the service ${serviceId}`, undefined, signal);
  }
}

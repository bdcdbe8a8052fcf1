import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Oakestra system manager (oakestra-api.md §12, the 20-point contract) and a fake FLOps manager
 * (§9, point 20), both on 127.0.0.1. It honours the server's quirks, because the client must survive
 * them: double-encoded JSON with `{"$oid"}` ids on the six routes of §3.1 (or plain JSON with string
 * ids in "#461 mode"), JSON typed `text/html` on the cluster and user routes, 308 for slash-less
 * collection paths and 404 for slashed item paths, two auth error dialects, `{code, status}` error
 * bodies without a message, fire-and-forget instance deploys followed by a scripted status timeline,
 * services silently dropped on request, and access tokens whose lifetime tests shorten.
 *
 * Tests run it as a separate process (fake-oakestra-main.ts, driven by fake-oakestra-process.ts) and
 * script it through `/__fake/*` routes, which the real server does not have.
 */

export interface TimelineStep {
  /** The instance's status (or, with `job`, the job's only status: no instance is created). */
  readonly status: string | number;
  readonly detail?: string;
  /** A line appended to the instance's log (the API shows its last 1024 bytes). */
  readonly log?: string;
  /** Sets the job-level status instead and creates no instance (negative scheduling results). */
  readonly job?: boolean;
}

export interface FakeOakestraConfig {
  /** Access-token lifetime in seconds (600 on the real server). */
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  /** Plain JSON with string `_id`s (the unmerged fix of oakestra#461). */
  plainJson: boolean;
  /** `GET /api/application/<id>` returns the object instead of the current bug's `null`. */
  applicationGetReturnsObject: boolean;
  /** Milliseconds between two timeline steps (the real cadence is ~15 s). */
  stepMs: number;
  /** The instance timeline after a deploy request; `byService` (microservice_name) overrides it. */
  timeline: TimelineStep[];
  byService: Record<string, TimelineStep[]>;
  /** Services (microservice_name) the server drops silently when an application is created (§4.1). */
  dropServices: string[];
  /** Answer every request with this status and a `{code, status}` body (a broken backend). */
  failAll?: number;
  /** Answer these routes ("METHOD /path") with this status and a `{code, status}` body. */
  failRoutes: Record<string, number>;
  /** Milliseconds to wait before answering (timeouts). */
  delayMs: number;
  /** Steps FLOps trains after its learners run, before it undeploys the FL actors. */
  flopsTrainingSteps: number;
  clusters: FakeCluster[];
}

export interface FakeCluster {
  _id: string;
  candidate_name: string;
  memory: number;
  vcpus: number;
  /** Seconds since its last report; over 30 makes it inactive. */
  heartbeatAgeSeconds: number;
  virtualization: string[];
  supported_addons: string[];
}

interface User {
  readonly oid: string;
  readonly name: string;
  readonly password: string;
  readonly organization: string;
  readonly orgId: string;
  readonly roles: string[];
}

interface Instance {
  instance_number: number;
  cluster_id: string;
  cluster_location: string;
  status: string | number;
  status_detail: string;
  publicip: string;
  host_ip: string;
  host_port: number | string;
  worker_id: string;
  cpu_percent: string;
  memory_percent: string;
  disk: string;
  logs: string;
  cpu_history: { value: string; timestamp: string }[];
  memory_history: { value: string; timestamp: string }[];
  last_modified_timestamp: number;
}

interface Service {
  oid: string;
  doc: Record<string, unknown> & { instance_list: Instance[]; status: string | number; status_detail: string; next_instance_progressive_number: number };
  timers: NodeJS.Timeout[];
}

interface Application {
  oid: string;
  userId: string;
  doc: Record<string, unknown> & { microservices: string[] };
}

export const allRoles = ['Admin', 'Organization_Admin', 'Application_Provider', 'Infrastructure_Provider'];

export const defaultTimeline: TimelineStep[] = [{ status: 'CLUSTER_SCHEDULED' }, { status: 'NODE_SCHEDULED' }, { status: 'CREATING' }, { status: 'RUNNING', log: 'started' }];

export function defaultFakeConfig(): FakeOakestraConfig {
  return {
    accessTtlSeconds: 600,
    refreshTtlSeconds: 30 * 24 * 3600,
    plainJson: false,
    applicationGetReturnsObject: false,
    stepMs: 20,
    timeline: defaultTimeline,
    byService: {},
    dropServices: [],
    delayMs: 0,
    flopsTrainingSteps: 10,
    failRoutes: {},
    clusters: [{ _id: '65f0c0ffee0000000000c001', candidate_name: 'cluster1', memory: 8192, vcpus: 8, heartbeatAgeSeconds: 2, virtualization: ['docker'], supported_addons: ['FLOps-learner'] }],
  };
}

const namePattern = /^[a-zA-Z0-9]{1,30}$/;

function oid(): string {
  return randomBytes(12).toString('hex');
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export class FakeOakestra {
  config: FakeOakestraConfig = defaultFakeConfig();
  readonly users = new Map<string, User>();
  readonly applications = new Map<string, Application>();
  readonly services = new Map<string, Service>();
  /** Every request, as "METHOD path" (also the FLOps manager's, prefixed "flops "). */
  readonly requests: string[] = [];
  /** FLOps projects and mock data providers submitted (point 20). */
  readonly flopsSubmissions: Record<string, unknown>[] = [];
  private readonly tokens = new Map<string, { sub: string; type: 'access' | 'refresh'; exp: number }>();
  private servers: Server[] = [];
  private readonly flopsTimers: NodeJS.Timeout[] = [];
  private rootUrl = '';
  private flopsUrl = '';

  constructor() {
    this.seed();
  }

  private seed(): void {
    this.users.clear();
    this.users.set('Admin', { oid: oid(), name: 'Admin', password: 'Admin', organization: 'root', orgId: oid(), roles: allRoles });
  }

  get urls(): { readonly oakestra: string; readonly flops: string } {
    return { oakestra: this.rootUrl, flops: this.flopsUrl };
  }

  async start(ports: { oakestra?: number; flops?: number } = {}): Promise<this> {
    const root = createServer((req, res) => void this.serve(req, res, 'root'));
    const flops = createServer((req, res) => void this.serve(req, res, 'flops'));
    this.servers = [root, flops];
    await new Promise<void>((resolve) => root.listen(ports.oakestra ?? 0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => flops.listen(ports.flops ?? 0, '127.0.0.1', resolve));
    this.rootUrl = `http://127.0.0.1:${(root.address() as AddressInfo).port}`;
    this.flopsUrl = `http://127.0.0.1:${(flops.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.reset();
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      ),
    );
  }

  reset(): void {
    for (const service of this.services.values()) for (const timer of service.timers) clearTimeout(timer);
    for (const timer of this.flopsTimers.splice(0)) clearTimeout(timer);
    this.services.clear();
    this.applications.clear();
    this.tokens.clear();
    this.requests.length = 0;
    this.flopsSubmissions.length = 0;
    this.config = defaultFakeConfig();
    this.seed();
  }

  /** What `/__fake/state` returns: the live documents, plain JSON. */
  state(): unknown {
    return {
      applications: [...this.applications.values()].map((a) => ({ ...a.doc, _id: a.oid })),
      services: [...this.services.values()].map((s) => ({ ...s.doc, _id: s.oid })),
      requests: this.requests,
      flops: this.flopsSubmissions,
    };
  }

  // --- wire helpers -------------------------------------------------------------------------------

  private id(value: string): unknown {
    return this.config.plainJson ? value : { $oid: value };
  }

  /** A body serialised like `json_util.dumps` then returned as a JSON string (or plain in #461 mode). */
  private sendDumped(res: ServerResponse, status: number, value: unknown): void {
    const text = JSON.stringify(value);
    this.sendRaw(res, status, 'application/json', this.config.plainJson ? text : JSON.stringify(text));
  }

  private send(res: ServerResponse, status: number, value: unknown): void {
    this.sendRaw(res, status, 'application/json', JSON.stringify(value));
  }

  private sendHtmlJson(res: ServerResponse, value: unknown): void {
    this.sendRaw(res, 200, 'text/html; charset=utf-8', JSON.stringify(value));
  }

  private sendRaw(res: ServerResponse, status: number, type: string, text: string): void {
    res.writeHead(status, { 'content-type': type });
    res.end(text);
  }

  /** flask-smorest's `abort(code, {...})` called positionally: the payload is lost (§3.4). */
  private abort(res: ServerResponse, code: number): void {
    const phrases: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Entity', 500: 'Internal Server Error', 501: 'Not Implemented' };
    this.send(res, code, { code, status: phrases[code] ?? 'Error' });
  }

  // --- auth -----------------------------------------------------------------------------------------

  private mint(user: User, type: 'access' | 'refresh'): string {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + (type === 'access' ? this.config.accessTtlSeconds : this.config.refreshTtlSeconds);
    const jti = randomBytes(8).toString('hex');
    const token = `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url({ sub: user.name, user: user.name, roles: user.roles, organization: user.orgId, type, exp, iat: now, nbf: now, jti, fresh: type === 'access' })}.${randomBytes(32).toString('base64url')}`;
    this.tokens.set(token, { sub: user.name, type, exp });
    return token;
  }

  /** The caller, or undefined after answering with the route's auth error dialect. */
  private guard(req: IncomingMessage, res: ServerResponse, dialect: 'jwt' | 'custom', admin = false): User | undefined {
    const key = dialect === 'jwt' ? 'msg' : 'message';
    const header = req.headers.authorization;
    if (header === undefined || !header.startsWith('Bearer ')) {
      this.send(res, 401, { [key]: dialect === 'jwt' ? 'Missing Authorization Header' : 'Missing authentication token' });
      return undefined;
    }
    const token = this.tokens.get(header.slice(7));
    if (token === undefined || token.type !== 'access') {
      this.send(res, 422, { [key]: token === undefined ? 'Not enough segments' : 'Only non-refresh tokens are allowed' });
      return undefined;
    }
    if (token.exp <= Date.now() / 1000) {
      this.send(res, 401, { [key]: 'Token has expired' });
      return undefined;
    }
    const user = this.users.get(token.sub);
    if (user === undefined) {
      this.abort(res, 404);
      return undefined;
    }
    if (admin && !user.roles.includes('Admin')) {
      this.send(res, 403, { message: 'You have not enough permissions!' });
      return undefined;
    }
    return user;
  }

  // --- dispatch -------------------------------------------------------------------------------------

  private async serve(req: IncomingMessage, res: ServerResponse, which: 'root' | 'flops'): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith('/__fake/')) return this.control(method, url.pathname, raw, res);
    this.requests.push(`${which === 'flops' ? 'flops ' : ''}${method} ${url.pathname}`);
    if (this.config.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.config.delayMs));
    if (res.destroyed) return;
    let body: unknown;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        return this.abort(res, 400);
      }
    }
    if (this.config.failAll !== undefined) return this.abort(res, this.config.failAll);
    const failRoute = this.config.failRoutes[`${method} ${url.pathname}`];
    if (failRoute !== undefined) return this.abort(res, failRoute);
    if (which === 'flops') return this.flops(method, url.pathname, body, req, res);
    return this.route(method, url.pathname, body, req, res);
  }

  private control(method: string, path: string, raw: string, res: ServerResponse): void {
    if (method === 'POST' && path === '/__fake/config') {
      Object.assign(this.config, JSON.parse(raw) as Partial<FakeOakestraConfig>);
      return this.send(res, 200, this.config);
    }
    if (method === 'POST' && path === '/__fake/reset') {
      this.reset();
      return this.send(res, 200, {});
    }
    if (method === 'POST' && path === '/__fake/user') {
      const user = JSON.parse(raw) as { name: string; password: string; organization?: string; roles?: string[] };
      this.users.set(user.name, { oid: oid(), name: user.name, password: user.password, organization: user.organization ?? 'root', orgId: oid(), roles: user.roles ?? ['Application_Provider'] });
      return this.send(res, 200, {});
    }
    if (method === 'POST' && path === '/__fake/expire-tokens') {
      const type = (JSON.parse(raw || '{}') as { type?: string }).type;
      for (const token of this.tokens.values()) if (type === undefined || token.type === type) token.exp = 0;
      return this.send(res, 200, {});
    }
    if (method === 'POST' && path === '/__fake/instance') {
      // Sets what a worker would report for an instance (its status, detail, output).
      const change = JSON.parse(raw) as { service: string; instance: number; status?: string; detail?: string; log?: string };
      const service = [...this.services.values()].find((s) => s.doc['microservice_name'] === change.service);
      const instance = service?.doc.instance_list.find((i) => i.instance_number === change.instance);
      if (service === undefined || instance === undefined) return this.send(res, 404, { message: `no instance ${change.instance} of ${change.service}` });
      if (change.status !== undefined) instance.status = change.status;
      if (change.detail !== undefined) instance.status_detail = change.detail;
      if (change.log !== undefined) instance.logs = `${instance.logs}${change.log}\n`.slice(-1024);
      return this.send(res, 200, {});
    }
    if (method === 'GET' && path === '/__fake/state') return this.send(res, 200, this.state());
    return this.send(res, 404, { message: `no control route ${path}` });
  }

  private route(method: string, path: string, body: unknown, req: IncomingMessage, res: ServerResponse): void {
    // Collection routes are registered with a trailing slash: the slash-less form gets a 308 (§3.5).
    const collections = ['/api/application', '/api/applications', '/api/service', '/api/services', '/api/clusters', '/api/user', '/api/users', '/api/organization'];
    if (collections.includes(path)) {
      res.writeHead(308, { location: `${path}/`, 'content-type': 'text/html' });
      res.end('<a href="/">Redirecting</a>');
      return;
    }
    let m: RegExpMatchArray | null;
    if (method === 'POST' && path === '/api/auth/login') return this.login(body, res);
    if (method === 'POST' && path === '/api/auth/refresh') return this.refresh(req, res);
    if (method === 'GET' && path === '/api/clusters/') return this.sendHtmlJson(res, this.clusterDocs(false));
    if (method === 'GET' && path === '/api/clusters/active') return this.sendHtmlJson(res, this.clusterDocs(true));
    if ((m = /^\/api\/permission\/([^/]+)$/.exec(path)) !== null && method === 'GET') {
      const user = this.guard(req, res, 'custom');
      if (user === undefined) return;
      if (user.name !== m[1]) return void this.send(res, 403, { message: 'You have not enough permissions!' });
      return this.send(res, 200, { roles: user.roles });
    }
    if ((m = /^\/api\/user\/([^/]+)$/.exec(path)) !== null && method === 'GET') {
      const user = this.guard(req, res, 'custom');
      if (user === undefined) return;
      if (user.name !== m[1]) return void this.send(res, 403, { message: 'You have not enough permissions!' });
      return this.sendHtmlJson(res, { _id: { $oid: user.oid }, name: user.name, email: `${user.name}@example.org`, password: 'pbkdf2:sha256:260000$fakehash', created_at: '2026-01-01 00:00:00', roles: user.roles.map((name) => ({ name })) });
    }
    if (method === 'POST' && path === '/api/application/') return this.createApplication(body, req, res);
    if (method === 'GET' && path === '/api/applications/') {
      const user = this.guard(req, res, 'jwt', true);
      if (user === undefined) return;
      return this.sendDumped(res, 200, [...this.applications.values()].map((a) => this.appDoc(a)));
    }
    if ((m = /^\/api\/applications\/([^/]+)$/.exec(path)) !== null && method === 'GET') {
      const user = this.guard(req, res, 'jwt');
      if (user === undefined) return;
      if (m[1] !== user.oid) return this.abort(res, 401);
      return this.sendDumped(res, 200, this.appsOf(user).map((a) => this.appDoc(a)));
    }
    if ((m = /^\/api\/application\/([^/]+)$/.exec(path)) !== null) return this.application(method, m[1] ?? '', body, req, res);
    if (method === 'POST' && path === '/api/service/') return this.createServices(body, req, res);
    if (method === 'GET' && path === '/api/services/') {
      const user = this.guard(req, res, 'custom', true);
      if (user === undefined) return;
      return this.sendDumped(res, 200, [...this.services.values()].map((s) => this.serviceDoc(s)));
    }
    if ((m = /^\/api\/services\/([^/]+)$/.exec(path)) !== null && method === 'GET') {
      const user = this.guard(req, res, 'custom');
      if (user === undefined) return;
      const app = this.applications.get(m[1] ?? '');
      if (app === undefined || app.userId !== user.name) return this.abort(res, 404);
      return this.sendDumped(res, 200, [...this.services.values()].filter((s) => s.doc['applicationID'] === app.oid).map((s) => this.serviceDoc(s)));
    }
    if ((m = /^\/api\/service\/([^/]+)\/instance$/.exec(path)) !== null && method === 'POST') {
      if (this.guard(req, res, 'custom') === undefined) return;
      this.requestInstance(m[1] ?? '');
      return this.send(res, 200, { message: 'ok' });
    }
    if ((m = /^\/api\/service\/([^/]+)\/instance\/([^/]+)$/.exec(path)) !== null && method === 'DELETE') {
      if (this.guard(req, res, 'custom') === undefined) return;
      if (!/^-?\d+$/.test(m[2] ?? '')) return this.abort(res, 500);
      this.removeInstance(m[1] ?? '', Number(m[2]));
      return this.send(res, 200, { message: 'ok' });
    }
    if ((m = /^\/api\/service\/([^/]+)$/.exec(path)) !== null) return this.service(method, m[1] ?? '', req, res);
    return this.abort(res, 404);
  }

  private login(body: unknown, res: ServerResponse): void {
    const b = (body ?? {}) as Record<string, unknown>;
    if (!('username' in b) || !('password' in b)) return this.abort(res, 500);
    const org = typeof b['organization_name'] === 'string' && b['organization_name'] !== '' ? b['organization_name'] : 'root';
    if (![...this.users.values()].some((u) => u.organization === org)) return this.abort(res, 404);
    const user = this.users.get(String(b['username']));
    if (user === undefined || user.password !== b['password'] || b['password'] === '' || user.organization !== org) return this.abort(res, 401);
    this.send(res, 200, { token: this.mint(user, 'access'), refresh_token: this.mint(user, 'refresh') });
  }

  private refresh(req: IncomingMessage, res: ServerResponse): void {
    const header = req.headers.authorization ?? '';
    const token = this.tokens.get(header.replace(/^Bearer /, ''));
    if (token === undefined || token.type !== 'refresh') return this.send(res, 422, { msg: 'Only refresh tokens are allowed' });
    if (token.exp <= Date.now() / 1000) return this.send(res, 401, { msg: 'Token has expired' });
    const user = this.users.get(token.sub);
    if (user === undefined) return this.abort(res, 404);
    this.send(res, 200, { token: this.mint(user, 'access') });
  }

  private clusterDocs(activeOnly: boolean): unknown[] {
    return this.config.clusters
      .map((c) => ({ ...c, active: c.heartbeatAgeSeconds <= 30 }))
      .filter((c) => !activeOnly || c.active)
      .map((c) => ({
        _id: c._id,
        candidate_name: c.candidate_name,
        cluster_name: c.candidate_name,
        candidate_location: '48.1,11.6,1000',
        ip: '192.168.1.2',
        port: '10100',
        active: c.active,
        active_nodes: 1,
        vcpus: c.vcpus,
        memory: c.memory,
        memory_in_mb: c.memory,
        cpu_percent: 12.5,
        memory_percent: 40.1,
        virtualization: c.virtualization,
        supported_addons: c.supported_addons,
        csi_drivers: [],
        last_modified_timestamp: Date.now() / 1000 - c.heartbeatAgeSeconds,
      }));
  }

  // --- applications ---------------------------------------------------------------------------------

  private appsOf(user: User): Application[] {
    return [...this.applications.values()].filter((a) => a.userId === user.name);
  }

  private appDoc(app: Application): unknown {
    return { ...app.doc, _id: this.id(app.oid), applicationID: app.oid, userId: app.userId, microservices: [...app.doc.microservices] };
  }

  /** The schema layer of §8, as far as the fake needs it: the answer is a bare 422 either way. */
  private slaSchemaOk(sla: Record<string, unknown>): boolean {
    const apps = sla['applications'];
    if (typeof sla['customerID'] !== 'string' || !Array.isArray(apps)) return false;
    for (const app of apps as Record<string, unknown>[]) {
      if (typeof app !== 'object' || app === null) return false;
      if (!namePattern.test(String(app['application_name'])) || !namePattern.test(String(app['application_namespace']))) return false;
      if (!Array.isArray(app['microservices'])) return false;
      for (const ms of app['microservices'] as Record<string, unknown>[]) if (!this.serviceSchemaOk(ms)) return false;
    }
    return true;
  }

  private serviceSchemaOk(ms: Record<string, unknown>): boolean {
    if (typeof ms !== 'object' || ms === null) return false;
    if (!namePattern.test(String(ms['microservice_name'])) || !namePattern.test(String(ms['microservice_namespace']))) return false;
    if (typeof ms['virtualization'] !== 'string' || typeof ms['code'] !== 'string') return false;
    if (ms['microserviceID'] !== undefined && ms['microserviceID'] !== '') return false;
    if (ms['port'] !== undefined && typeof ms['port'] !== 'string') return false;
    for (const key of ['memory', 'vcpus', 'storage']) if (ms[key] !== undefined && !Number.isInteger(ms[key])) return false;
    return true;
  }

  private createApplication(body: unknown, req: IncomingMessage, res: ServerResponse): void {
    const user = this.guard(req, res, 'jwt');
    if (user === undefined) return;
    const sla = (body ?? {}) as Record<string, unknown>;
    if (sla['sla_version'] !== 'v2.0') return this.abort(res, 500);
    if (!this.slaSchemaOk(sla)) return this.abort(res, 422);
    for (const app of sla['applications'] as Record<string, unknown>[]) {
      if (this.appsOf(user).some((a) => a.doc['application_name'] === app['application_name'] && a.doc['application_namespace'] === app['application_namespace'])) return this.abort(res, 409);
      const id = oid();
      const { microservices, ...rest } = app;
      const created: Application = { oid: id, userId: user.name, doc: { ...rest, applicationID: id, userId: user.name, microservices: [] } };
      this.applications.set(id, created);
      for (const ms of microservices as Record<string, unknown>[]) {
        if (this.config.dropServices.includes(String(ms['microservice_name']))) continue;
        this.addService(created, ms);
      }
    }
    this.sendDumped(res, 200, this.appsOf(user).map((a) => this.appDoc(a)));
  }

  private application(method: string, id: string, body: unknown, req: IncomingMessage, res: ServerResponse): void {
    const user = this.guard(req, res, 'jwt');
    if (user === undefined) return;
    const app = this.applications.get(id);
    const owned = app !== undefined && app.userId === user.name;
    if (method === 'GET') {
      if (!owned) return this.abort(res, 404);
      return this.config.applicationGetReturnsObject ? this.sendDumped(res, 200, this.appDoc(app)) : this.send(res, 200, null);
    }
    if (method === 'PUT') {
      if (app !== undefined) {
        const b = (body ?? {}) as Record<string, unknown>;
        app.doc['application_name'] = b['application_name'] ?? null;
        app.doc['application_namespace'] = b['application_namespace'] ?? null;
        app.doc['application_desc'] = b['application_desc'] ?? '';
        app.doc.microservices = Array.isArray(b['microservices']) ? (b['microservices'] as unknown[]).map(String) : (null as unknown as string[]);
        app.userId = user.name;
      }
      return this.send(res, 200, { message: 'Application is updated' });
    }
    if (method === 'DELETE') {
      if (!owned) return this.abort(res, 501);
      for (const serviceId of app.doc.microservices ?? []) this.deleteService(serviceId);
      this.applications.delete(id);
      return this.send(res, 200, { message: 'Application Deleted' });
    }
    this.abort(res, 404);
  }

  // --- services and instances -----------------------------------------------------------------------

  private addService(app: Application, ms: Record<string, unknown>): Service {
    const name = String(ms['microservice_name']);
    const ns = String(ms['microservice_namespace']);
    const jobName = `${String(app.doc['application_name'])}.${String(app.doc['application_namespace'])}.${name}.${ns}`;
    const existing = [...this.services.values()].find((s) => s.doc['job_name'] === jobName);
    const id = existing?.oid ?? oid();
    const service: Service = {
      oid: id,
      timers: existing?.timers ?? [],
      doc: {
        ...ms,
        microserviceID: id,
        job_name: jobName,
        applicationID: app.oid,
        app_name: app.doc['application_name'],
        app_ns: app.doc['application_namespace'],
        service_name: name,
        service_ns: ns,
        image: ms['code'],
        virtualization: ms['virtualization'] === 'container' ? 'docker' : ms['virtualization'],
        RR_ip: (ms['addresses'] as { rr_ip?: string } | undefined)?.rr_ip ?? `10.30.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`,
        next_instance_progressive_number: existing?.doc.next_instance_progressive_number ?? 0,
        instance_list: existing?.doc.instance_list ?? [],
        status: 'CREATED',
        status_detail: '',
      },
    };
    this.services.set(id, service);
    if (!app.doc.microservices.includes(id)) app.doc.microservices.push(id);
    return service;
  }

  private serviceDoc(service: Service): unknown {
    return { ...service.doc, _id: this.id(service.oid), instance_list: service.doc.instance_list.map((i) => ({ ...i })) };
  }

  private createServices(body: unknown, req: IncomingMessage, res: ServerResponse): void {
    const user = this.guard(req, res, 'custom');
    if (user === undefined) return;
    const sla = (body ?? {}) as Record<string, unknown>;
    const apps = sla['applications'];
    const first = Array.isArray(apps) ? (apps[0] as Record<string, unknown> | undefined) : undefined;
    const appId = first?.['applicationID'];
    const app = typeof appId === 'string' ? this.applications.get(appId) : undefined;
    if (first === undefined || app === undefined || app.userId !== user.name || !Array.isArray(first['microservices'])) return this.abort(res, 400);
    const list = first['microservices'] as Record<string, unknown>[];
    if (!list.every((ms) => this.serviceSchemaOk(ms))) return this.abort(res, 400);
    const deployed: { service_name: string; status: number }[] = [];
    const failed: { service_name: string; status: number; message: string }[] = [];
    let last = '';
    for (const ms of list) {
      if (this.config.dropServices.includes(String(ms['microservice_name']))) {
        failed.push({ service_name: String(ms['microservice_name']), status: 500, message: 'network registration failed' });
        continue;
      }
      last = this.addService(app, ms).oid;
      deployed.push({ service_name: String(ms['microservice_name']), status: 200 });
    }
    this.send(res, 200, { job_id: last, deployed_services: deployed, failed_services: failed });
  }

  private service(method: string, id: string, req: IncomingMessage, res: ServerResponse): void {
    const user = this.guard(req, res, 'custom');
    if (user === undefined) return;
    const service = this.services.get(id);
    const owned = service !== undefined && this.applications.get(String(service.doc['applicationID']))?.userId === user.name;
    if (method === 'GET') return owned ? this.sendDumped(res, 200, this.serviceDoc(service)) : this.abort(res, 404);
    if (method === 'PUT') return this.abort(res, 501);
    if (method === 'DELETE') {
      if (!owned) return this.abort(res, 500);
      this.deleteService(id);
      return this.send(res, 200, { message: 'Job deleted' });
    }
    this.abort(res, 404);
  }

  private deleteService(id: string): void {
    const service = this.services.get(id);
    if (service === undefined) return;
    for (const timer of service.timers) clearTimeout(timer);
    this.services.delete(id);
    const app = this.applications.get(String(service.doc['applicationID']));
    if (app !== undefined && Array.isArray(app.doc.microservices)) app.doc.microservices = app.doc.microservices.filter((s) => s !== id);
  }

  /** Fire and forget (point 14): unknown ids are accepted and nothing happens. */
  private requestInstance(id: string): void {
    const service = this.services.get(id);
    if (service === undefined) return;
    service.doc.status = 'REQUESTED';
    service.doc.status_detail = 'Waiting for scheduling decision';
    const steps = this.config.byService[String(service.doc['microservice_name'])] ?? this.config.timeline;
    let instance: Instance | undefined;
    const cluster = this.config.clusters[0];
    steps.forEach((step, index) => {
      const timer = setTimeout(
        () => {
          if (!this.services.has(id)) return;
          if (step.job === true) {
            service.doc.status = step.status;
            service.doc.status_detail = step.detail ?? '';
            return;
          }
          if (instance === undefined) {
            instance = this.newInstance(service, cluster);
            service.doc.instance_list.push(instance);
          }
          if (!service.doc.instance_list.includes(instance)) return;
          instance.status = step.status;
          instance.status_detail = step.detail ?? '';
          instance.last_modified_timestamp = Date.now() / 1000;
          if (step.log !== undefined) instance.logs = `${instance.logs}${step.log}\n`.slice(-1024);
          const all = service.doc.instance_list;
          const notRunning = all.filter((i) => i.status !== 'RUNNING');
          service.doc.status = notRunning.length === 0 ? 'RUNNING' : (notRunning[notRunning.length - 1]?.status ?? 'RUNNING');
          service.doc.status_detail = all.some((i) => i.status === 'FAILED') ? `Failed instance(s): ${all.filter((i) => i.status === 'FAILED').map((i) => i.instance_number).join(', ')}` : '';
        },
        this.config.stepMs * (index + 1),
      );
      service.timers.push(timer);
    });
  }

  private newInstance(service: Service, cluster: FakeCluster | undefined): Instance {
    const number = service.doc.next_instance_progressive_number;
    service.doc.next_instance_progressive_number = number + 1;
    const now = new Date().toISOString();
    return {
      instance_number: number,
      cluster_id: cluster?._id ?? '',
      cluster_location: '48.1,11.6,1000',
      status: 'CLUSTER_SCHEDULED',
      status_detail: '',
      publicip: '192.168.1.20',
      host_ip: '192.168.1.20',
      host_port: '50011',
      worker_id: 'worker-1',
      cpu_percent: '3.5',
      memory_percent: '1.2',
      disk: '1048576',
      logs: '',
      cpu_history: [{ value: '3.5', timestamp: now }],
      memory_history: [{ value: '1.2', timestamp: now }],
      last_modified_timestamp: Date.now() / 1000,
    };
  }

  private removeInstance(id: string, number: number): void {
    const service = this.services.get(id);
    if (service === undefined) return;
    // -1 means all, and is unreliable on the real server (the list is mutated while iterated): the fake
    // removes every other instance, so a client that relies on it is caught.
    if (number === -1) {
      service.doc.instance_list = service.doc.instance_list.filter((_, i) => i % 2 === 1);
      return;
    }
    service.doc.instance_list = service.doc.instance_list.filter((i) => i.instance_number !== number);
    if (service.doc.instance_list.length === 0) {
      for (const timer of service.timers) clearTimeout(timer);
      service.timers = [];
    }
  }

  // --- FLOps manager (point 20) ---------------------------------------------------------------------

  private flops(method: string, path: string, body: unknown, req: IncomingMessage, res: ServerResponse): void {
    const b = (body ?? {}) as Record<string, unknown>;
    if (['/api/flops/projects', '/api/flops/mocks', '/api/flops/tracking', '/api/flops/database'].includes(path)) {
      res.writeHead(308, { location: `${path}/` });
      res.end();
      return;
    }
    if (method === 'GET' && path === '/') return this.send(res, 200, { message: 'ok' });
    if (method === 'POST' && path === '/api/flops/projects/') {
      if (typeof b['ml_repo_url'] !== 'string' || !['sklearn', 'pytorch', 'tensorflow', 'keras'].includes(String(b['ml_model_flavor']))) return this.send(res, 400, { message: 'Invalid project: ml_repo_url and ml_model_flavor are required' });
      this.flopsSubmissions.push({ kind: 'project', ...b });
      this.flopsProject(b, req.headers.authorization);
      return this.send(res, 200, { message: 'New FLOps project started successfully' });
    }
    if (method === 'POST' && path === '/api/flops/mocks/') {
      if (typeof b['customerID'] !== 'string') return this.send(res, 400, { message: 'customerID is required' });
      this.flopsSubmissions.push({ kind: 'mock', ...b });
      const helper = this.flopsApp('helper', 'helper');
      this.addService(helper, { microservice_name: `mockdp${randomBytes(3).toString('hex')}`, microservice_namespace: 'mockdp', virtualization: 'container', code: 'flops/mockdp:latest' });
      return this.send(res, 200, { message: 'New Mock-Data-Provider started successfully' });
    }
    if (method === 'GET' && path === '/api/flops/tracking/') {
      if (typeof b['customerID'] !== 'string') return this.send(res, 500, { message: 'Unexpected exception occurred: customerID missing' });
      return this.send(res, 200, { tracking_server_url: 'http://192.168.1.20:7027' });
    }
    if (method === 'DELETE' && path === '/api/flops/database/') {
      if (b['customerID'] !== 'Admin') return this.send(res, 403, { message: 'Only Admins are allowed to reset the database!' });
      return this.send(res, 200, { message: 'Successfully reset the database.' });
    }
    this.send(res, 404, { message: 'Not Found' });
  }

  /** An Admin-owned application, created on first use (FLOps logs in as Admin itself). */
  private flopsApp(name: string, namespace: string): Application {
    const found = [...this.applications.values()].find((a) => a.doc['application_name'] === name && a.doc['application_namespace'] === namespace);
    if (found !== undefined) return found;
    const id = oid();
    const app: Application = { oid: id, userId: 'Admin', doc: { application_name: name, application_namespace: namespace, application_desc: '', applicationID: id, userId: 'Admin', microservices: [] } };
    this.applications.set(id, app);
    return app;
  }

  /**
   * What FLOps does over time for a project: the observatory (observer and MLflow), the project
   * application with its builder, aggregator and learners, progress messages in the observer's log,
   * and, `trainingSteps` steps after the learners run, the FL actors undeployed (training finished).
   */
  private flopsProject(project: Record<string, unknown>, _authorization: string | undefined): void {
    const hex = randomBytes(6).toString('hex');
    const learners = Number((project['training_configuration'] as { min_available_clients?: unknown } | undefined)?.min_available_clients ?? 1);
    const stages: [string, string, string][] = [
      ['observatory', 'observatory', `observ${hex}`],
      ['observatory', 'observatory', `tracking${hex}`],
      [`proj${hex}`, 'proj', `builder${hex}`],
      [`proj${hex}`, 'proj', `aggr${hex}`],
      ...Array.from({ length: learners }, (_, i): [string, string, string] => [`proj${hex}`, 'proj', `flearner${hex}${i}`]),
    ];
    const later = (steps: number, fn: () => void): void => void this.flopsTimers.push(setTimeout(fn, this.config.stepMs * steps));
    const observe = (line: string): void => {
      const observer = [...this.services.values()].find((s) => s.doc['microservice_name'] === `observ${hex}`);
      const instance = observer?.doc.instance_list[0];
      if (instance !== undefined) instance.logs = `${instance.logs}${line}\n`.slice(-1024);
    };
    stages.forEach(([appName, appNs, service], index) => {
      later(index + 1, () => {
        const app = this.flopsApp(appName, appNs);
        const created = this.addService(app, { microservice_name: service, microservice_namespace: service.startsWith('flearner') ? 'flearner' : appNs, virtualization: 'container', code: `flops/${service.replace(/[0-9a-f]+$/, '')}:latest` });
        this.requestInstance(created.oid);
        observe(`${service}: deployed`);
      });
    });
    const trained = stages.length + this.config.timeline.length + this.config.flopsTrainingSteps;
    later(trained, () => {
      observe('Training finished; undeploying the FL actors');
      for (const s of [...this.services.values()]) if (/^(aggr|flearner)/.test(String(s.doc['microservice_name'])) && String(s.doc['microservice_name']).includes(hex)) this.deleteService(s.oid);
    });
  }

}

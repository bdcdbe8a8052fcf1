import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake MLflow tracking server (flower-mlflow.md §8) on 127.0.0.1 and a free port: the read side of
 * the REST API the metrics panel uses, honouring the contract's details: POST experiments/search and
 * runs/search with `max_results`/`page_token`/`next_page_token`; GET metrics/get-history (3.x pages it,
 * 2.x mode returns everything at once); ids as strings; absent arrays omitted; metric values as numbers,
 * "NaN"/"Infinity" strings, or bare NaN tokens (`nanTokens`); `{error_code, message}` errors with 404
 * RESOURCE_DOES_NOT_EXIST; a bearer token when `token` is set (401 without one, 403 for a wrong one).
 */

export interface FakeRun {
  readonly id: string;
  readonly name: string;
  readonly experimentId: string;
  status: 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';
  readonly startTime: number;
  endTime?: number;
  readonly tags: Record<string, string>;
  readonly params: Record<string, string>;
  /** key → points; value may be a string ("NaN") as MLflow sends it. */
  readonly metrics: Record<string, { step: number; value: number | string; timestamp: number }[]>;
}

export interface FakeMlflowOptions {
  /** Page size the server uses whatever the client asks (to exercise pagination). */
  readonly pageSize?: number;
  readonly version?: 2 | 3;
  readonly token?: string;
  /** Write non-finite values as bare NaN/Infinity tokens, as Python's json does. */
  readonly nanTokens?: boolean;
}

export class FakeMlflowServer {
  readonly experiments: { id: string; name: string; lifecycle_stage: 'active' | 'deleted' }[] = [];
  readonly runs: FakeRun[] = [];
  /** Requests served, as "METHOD path". */
  readonly requests: string[] = [];
  private server: Server | undefined;

  constructor(private readonly options: FakeMlflowOptions = {}) {}

  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (address === undefined || address === null) throw new Error('the fake MLflow server is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  addExperiment(name: string): string {
    const id = String(this.experiments.length + 1);
    this.experiments.push({ id, name, lifecycle_stage: 'active' });
    return id;
  }

  private pageSize(asked: unknown): number {
    const size = this.options.pageSize ?? 1000;
    return typeof asked === 'number' ? Math.min(size, asked) : size;
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    let text = JSON.stringify(body, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? `__${String(value)}__` : value));
    text = this.options.nanTokens === true ? text.replace(/"__(NaN|Infinity|-Infinity)__"/g, '$1') : text.replace(/"__(NaN|Infinity|-Infinity)__"/g, '"$1"');
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    this.requests.push(`${req.method ?? ''} ${url.pathname}`);
    if (!/^\/(api|ajax-api)\/2\.0\/mlflow\//.test(url.pathname)) {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html><body>Not Found</body></html>');
      return;
    }
    if (this.options.token !== undefined) {
      const auth = req.headers.authorization;
      if (auth === undefined) return this.send(res, 401, { error_code: 'UNAUTHENTICATED', message: 'You are not authenticated.' });
      if (auth !== `Bearer ${this.options.token}`) return this.send(res, 403, { error_code: 'PERMISSION_DENIED', message: 'Permission denied.' });
    }
    let body: Record<string, unknown> = {};
    if (chunks.length > 0) {
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return this.send(res, 400, { error_code: 'MALFORMED_REQUEST', message: 'Malformed JSON.' });
      }
    }
    const route = url.pathname.replace(/^\/(api|ajax-api)\/2\.0\/mlflow\//, '');
    if (route === 'experiments/search' && req.method === 'POST') return this.searchExperiments(res, body);
    if (route === 'runs/search' && req.method === 'POST') return this.searchRuns(res, body);
    if (route === 'metrics/get-history' && req.method === 'GET') return this.history(res, url.searchParams);
    return this.send(res, 404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint ${route}` });
  }

  private page<T>(items: readonly T[], tokenIn: unknown, asked: unknown): { items: T[]; next?: string } {
    const start = typeof tokenIn === 'string' && tokenIn !== '' ? Number(Buffer.from(tokenIn, 'base64').toString('utf8')) : 0;
    const size = this.pageSize(asked);
    const slice = items.slice(start, start + size);
    return { items: slice, ...(start + size < items.length ? { next: Buffer.from(String(start + size)).toString('base64') } : {}) };
  }

  private searchExperiments(res: ServerResponse, body: Record<string, unknown>): void {
    const { items, next } = this.page(this.experiments, body['page_token'], body['max_results']);
    this.send(res, 200, { ...(items.length > 0 ? { experiments: items.map((e) => ({ experiment_id: e.id, name: e.name, artifact_location: `mlflow-artifacts:/${e.id}`, lifecycle_stage: e.lifecycle_stage, creation_time: 1, last_update_time: 1 })) } : {}), ...(next !== undefined ? { next_page_token: next } : {}) });
  }

  private searchRuns(res: ServerResponse, body: Record<string, unknown>): void {
    const ids = Array.isArray(body['experiment_ids']) ? (body['experiment_ids'] as unknown[]).map(String) : [];
    if (ids.length === 0) return this.send(res, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'experiment_ids must be set' });
    const matching = this.runs.filter((r) => ids.includes(r.experimentId)).sort((a, b) => b.startTime - a.startTime);
    const { items, next } = this.page(matching, body['page_token'], body['max_results']);
    this.send(res, 200, {
      ...(items.length > 0
        ? {
            runs: items.map((r) => ({
              info: { run_id: r.id, run_uuid: r.id, run_name: r.name, experiment_id: r.experimentId, user_id: 'fake', status: r.status, start_time: r.startTime, ...(r.endTime !== undefined ? { end_time: r.endTime } : {}), artifact_uri: '', lifecycle_stage: 'active' },
              data: {
                ...(Object.keys(r.metrics).length > 0 ? { metrics: Object.entries(r.metrics).map(([key, points]) => ({ key, ...this.wire(points[points.length - 1]) })) } : {}),
                ...(Object.keys(r.params).length > 0 ? { params: Object.entries(r.params).map(([key, value]) => ({ key, value })) } : {}),
                tags: [...Object.entries(r.tags), ['mlflow.runName', r.name]].map(([key, value]) => ({ key, value })),
              },
              inputs: {},
            })),
          }
        : {}),
      ...(next !== undefined ? { next_page_token: next } : {}),
    });
  }

  /** A point as the wire carries it: non-finite numbers become NaN tokens or strings (see send). */
  private wire(point: { step: number; value: number | string; timestamp: number } | undefined): Record<string, unknown> {
    if (point === undefined) return {};
    return { value: typeof point.value === 'string' ? Number(point.value) : point.value, timestamp: point.timestamp, step: point.step };
  }

  private history(res: ServerResponse, query: URLSearchParams): void {
    const run = this.runs.find((r) => r.id === query.get('run_id'));
    if (run === undefined) return this.send(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Run '${query.get('run_id') ?? ''}' not found` });
    const points = run.metrics[query.get('metric_key') ?? ''] ?? [];
    const wire = points.map((p) => ({ key: query.get('metric_key'), ...this.wire(p) }));
    if (this.options.version === 2) return this.send(res, 200, wire.length > 0 ? { metrics: wire } : {});
    const { items, next } = this.page(wire, query.get('page_token') ?? undefined, Number(query.get('max_results') ?? 25000));
    this.send(res, 200, { ...(items.length > 0 ? { metrics: items } : {}), ...(next !== undefined ? { next_page_token: next } : {}) });
  }
}

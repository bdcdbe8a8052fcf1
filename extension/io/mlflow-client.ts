import { request } from 'undici';
import { FlError, messageOf } from '../core/errors';
import { causeCode } from './http-exchange';
import type { MlflowCatalog, MlflowExperiment, MlflowPoint, MlflowRunInfo } from '../core/metrics/mlflow-series';

/**
 * A small client of MLflow's tracking REST API (2.x and 3.x: flower-mlflow.md §8), over undici, for the
 * metrics panel and `flops metrics --mlflow`. Only the read calls the panel needs: experiments/search,
 * experiments/get-by-name, runs/search and metrics/get-history, each following `next_page_token` to the
 * end. Metric values arrive as numbers, as the strings "NaN"/"Infinity"/"-Infinity", or (from servers
 * that serialise with Python's json) as bare NaN tokens: all of them become null. Every failure is a
 * FlError whose message names the URL and what to check.
 */

export interface MlflowTarget {
  /** The tracking server, e.g. `http://127.0.0.1:5000`. */
  readonly url: string;
  /** Sent as `Authorization: Bearer <token>` when set. */
  readonly token?: string;
}

/** A run as runs/search returns it: the fold's view of it plus its experiment. */
export interface MlflowRun extends MlflowRunInfo {
  readonly experimentId: string;
}

const requestTimeoutMs = 15_000;

/** Bare NaN/Infinity tokens (outside strings) as null, so JSON.parse reads what Python's json wrote. */
export function tolerantJson(text: string): unknown {
  return JSON.parse(text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (token) => (token.startsWith('"') ? token : 'null')));
}

export function metricValue(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  return null;
}

function tlsProblem(code: string | undefined): boolean {
  return code !== undefined && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/i.test(code);
}

/** A string or number field as text; anything else as `fallback`. */
function text(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : fallback;
}

function keyValues(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(list)) return out;
  for (const item of list as { key?: unknown; value?: unknown }[]) if (typeof item.key === 'string') out[item.key] = text(item.value, '');
  return out;
}

export class MlflowClient implements MlflowCatalog {
  private readonly base: string;

  constructor(private readonly target: MlflowTarget) {
    let url: URL;
    try {
      url = new URL(target.url);
    } catch {
      throw new FlError('invalidInput', `"${target.url}" is not a URL; the MLflow tracking server is an address such as http://127.0.0.1:5000.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FlError('invalidInput', `"${target.url}" is not an http(s) URL; the MLflow tracking server is an address such as http://127.0.0.1:5000.`);
    this.base = url.href.replace(/\/+$/, '');
  }

  get url(): string {
    return this.base;
  }

  /** Every active experiment, by name. */
  async experiments(signal?: AbortSignal): Promise<MlflowExperiment[]> {
    const out: MlflowExperiment[] = [];
    let token: string | undefined;
    do {
      const page = (await this.call('POST', 'experiments/search', { max_results: 1000, ...(token !== undefined ? { page_token: token } : {}) }, signal)) as { experiments?: { experiment_id?: unknown; name?: unknown; lifecycle_stage?: unknown }[]; next_page_token?: unknown };
      for (const e of page.experiments ?? []) if (e.lifecycle_stage !== 'deleted') out.push({ id: text(e.experiment_id, ''), name: text(e.name, '') });
      token = typeof page.next_page_token === 'string' && page.next_page_token !== '' ? page.next_page_token : undefined;
    } while (token !== undefined);
    return out;
  }

  /** The experiment with this name or id; undefined when there is none. */
  async experiment(nameOrId: string, signal?: AbortSignal): Promise<MlflowExperiment | undefined> {
    const all = await this.experiments(signal);
    return all.find((e) => e.name === nameOrId) ?? all.find((e) => e.id === nameOrId);
  }

  /** The experiment's runs, newest first. */
  async runs(experimentId: string, signal?: AbortSignal): Promise<MlflowRun[]> {
    const out: MlflowRun[] = [];
    let token: string | undefined;
    do {
      const page = (await this.call('POST', 'runs/search', { experiment_ids: [experimentId], max_results: 1000, order_by: ['attributes.start_time DESC'], ...(token !== undefined ? { page_token: token } : {}) }, signal)) as { runs?: unknown[]; next_page_token?: unknown };
      for (const run of page.runs ?? []) out.push(parseRun(run));
      token = typeof page.next_page_token === 'string' && page.next_page_token !== '' ? page.next_page_token : undefined;
    } while (token !== undefined);
    return out;
  }

  /** Every point of one metric of a run, in step order (3.x pages; 2.x returns all at once). */
  async history(runId: string, key: string, signal?: AbortSignal): Promise<MlflowPoint[]> {
    const out: MlflowPoint[] = [];
    let token: string | undefined;
    do {
      const query = new URLSearchParams({ run_id: runId, metric_key: key, max_results: '25000', ...(token !== undefined ? { page_token: token } : {}) });
      const page = (await this.call('GET', `metrics/get-history?${query.toString()}`, undefined, signal)) as { metrics?: { step?: unknown; value?: unknown; timestamp?: unknown }[]; next_page_token?: unknown };
      for (const m of page.metrics ?? []) out.push({ step: Number(m.step ?? 0), value: metricValue(m.value === 'NaN' || m.value === 'Infinity' || m.value === '-Infinity' ? Number.NaN : m.value), timestamp: Number(m.timestamp ?? 0) });
      token = typeof page.next_page_token === 'string' && page.next_page_token !== '' ? page.next_page_token : undefined;
    } while (token !== undefined);
    return out.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
  }

  private async call(method: 'GET' | 'POST', path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const url = `${this.base}/api/2.0/mlflow/${path}`;
    const where = `MLflow at ${this.base}`;
    let response;
    try {
      response = await request(url, {
        method,
        headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(this.target.token !== undefined ? { authorization: `Bearer ${this.target.token}` } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        headersTimeout: requestTimeoutMs,
        bodyTimeout: requestTimeoutMs,
        ...(signal !== undefined ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted === true) throw new FlError('cancelled', 'Cancelled.');
      const code = causeCode(error);
      if (tlsProblem(code)) throw new FlError('trackerUnavailable', `${where}: the TLS connection failed (${code ?? messageOf(error)}). Check the server's certificate, or use http:// for a server without TLS.`, messageOf(error));
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') throw new FlError('trackerUnavailable', `${where} did not answer within ${requestTimeoutMs / 1000} s. Check that the server is up and not overloaded.`);
      throw new FlError('trackerUnavailable', `${where} is unreachable (${code ?? messageOf(error)}). Check the URL and that the tracking server runs (mlflow server --host 127.0.0.1 --port <port>).`, messageOf(error));
    }
    let raw: string;
    try {
      raw = await response.body.text();
    } catch (error) {
      if (signal?.aborted === true) throw new FlError('cancelled', 'Cancelled.');
      throw new FlError('trackerUnavailable', `${where}: the answer to ${path.split('?')[0] ?? path} was cut off (${messageOf(error)}). Try again.`);
    }
    const status = response.statusCode;
    let parsed: unknown;
    try {
      parsed = tolerantJson(raw);
    } catch {
      parsed = undefined;
    }
    if (status === 401 || status === 403) {
      throw new FlError('trackerUnavailable', `${where} refused access (${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}). Set a valid token ("FLOps: Set MLflow Token" in the editor, FLOPS_MLFLOW_TOKEN for the CLI).`);
    }
    const errorCode = (parsed as { error_code?: unknown } | undefined)?.error_code;
    if (status === 404) {
      if (errorCode === 'RESOURCE_DOES_NOT_EXIST') throw new FlError('notFound', `${where}: ${text((parsed as { message?: unknown }).message, 'not found')}.`);
      throw new FlError('trackerUnavailable', `${where} does not serve the MLflow REST API (404 on ${path.split('?')[0] ?? path}). Check that the URL points at the tracking server itself, not at a proxy page.`);
    }
    if (status < 200 || status >= 300) {
      const detail = typeof (parsed as { message?: unknown } | undefined)?.message === 'string' ? `: ${String((parsed as { message: string }).message)}` : '';
      throw new FlError('trackerUnavailable', `${where} answered ${status}${typeof errorCode === 'string' ? ` ${errorCode}` : ''}${detail}. ${status >= 500 ? 'The server failed; check its log.' : 'Check the URL and the server version (2.x or 3.x).'}`);
    }
    if (parsed === undefined || typeof parsed !== 'object' || parsed === null) {
      throw new FlError('trackerUnavailable', `${where} did not answer with JSON on ${path.split('?')[0] ?? path}. Check that the URL points at an MLflow tracking server.`);
    }
    return parsed;
  }
}

function parseRun(value: unknown): MlflowRun {
  const run = value as { info?: Record<string, unknown>; data?: { metrics?: { key?: unknown; value?: unknown }[]; tags?: unknown; params?: unknown } };
  const info = run.info ?? {};
  const tags = keyValues(run.data?.tags);
  const latest: Record<string, number | null> = {};
  for (const m of run.data?.metrics ?? []) if (typeof m.key === 'string') latest[m.key] = metricValue(m.value);
  const id = text(info['run_id'], text(info['run_uuid'], ''));
  return {
    id,
    name: text(info['run_name'], tags['mlflow.runName'] ?? id),
    experimentId: text(info['experiment_id'], ''),
    status: text(info['status'], 'UNKNOWN'),
    startTime: Number(info['start_time'] ?? 0),
    ...(info['end_time'] !== undefined && info['end_time'] !== null ? { endTime: Number(info['end_time']) } : {}),
    tags,
    params: keyValues(run.data?.params),
    latest,
  };
}

import { OakestraError, type FlopsManagerApi, type OakestraApi } from '../core/deploy/oakestra-api';
import { httpExchange, type Answer } from './http-exchange';

/**
 * The FLOps manager's API (oakestra-api.md §9) over undici. It forwards the caller's Oakestra access
 * token (taken from the Oakestra client, so it is refreshed like every other call); its routes carry a
 * trailing slash; errors are `{"message"}` with the exception's status; the tracking route reads a JSON
 * body on GET.
 */
export class FlopsManagerClient implements FlopsManagerApi {
  readonly url: string;

  constructor(
    url: string,
    private readonly oakestra: Pick<OakestraApi, 'accessToken'>,
    private readonly timeoutMs = 30_000,
  ) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new OakestraError('invalidInput', `"${url}" is not a URL; the FLOps manager is an address such as http://192.168.1.10:5072.`);
    }
    this.url = parsed.href.replace(/\/+$/, '');
  }

  private async call(method: string, path: string, body: unknown, action: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const token = path === '/' ? undefined : await this.oakestra.accessToken(signal);
    const answer: Answer = await httpExchange({ base: this.url, service: 'The FLOps manager', hint: 'Check the FLOps manager URL (port 5072 on the Oakestra root by default) and that its compose stack runs (oak addon flops restart-management).', method, path, ...(body !== undefined ? { body } : {}), ...(token !== undefined ? { token } : {}), timeoutMs: this.timeoutMs, ...(signal !== undefined ? { signal } : {}) });
    let parsed: unknown;
    try {
      parsed = answer.text === '' ? {} : JSON.parse(answer.text);
    } catch {
      parsed = undefined;
    }
    const message = typeof (parsed as { message?: unknown } | undefined)?.message === 'string' ? (parsed as { message: string }).message : undefined;
    if (answer.status < 200 || answer.status >= 300) {
      const hint = answer.status === 400 ? 'FLOps refused the request as invalid' : answer.status === 403 ? 'FLOps allows this to Admins only' : answer.status === 404 ? 'this is not a FLOps manager, or a different version' : 'the FLOps manager failed; its log says why';
      throw new OakestraError(answer.status >= 500 ? 'orchestratorUnavailable' : 'orchestratorRejected', `The FLOps manager at ${this.url} could not ${action} (${answer.status}${message !== undefined ? `: ${message}` : ''}): ${hint}.`, answer.status);
    }
    if (typeof parsed !== 'object' || parsed === null) throw new OakestraError('orchestratorUnavailable', `The FLOps manager at ${this.url} did not answer ${method} ${path} with JSON. Check the URL (port 5072).`);
    return parsed as Record<string, unknown>;
  }

  async health(signal?: AbortSignal): Promise<void> {
    await this.call('GET', '/', undefined, 'answer its health check', signal);
  }

  async submitProject(project: Readonly<Record<string, unknown>>, signal?: AbortSignal): Promise<string> {
    const body = await this.call('POST', '/api/flops/projects/', project, 'start the project', signal);
    return typeof body['message'] === 'string' ? body['message'] : 'submitted';
  }

  async submitMockData(request: Readonly<Record<string, unknown>>, signal?: AbortSignal): Promise<string> {
    const body = await this.call('POST', '/api/flops/mocks/', request, 'start a mock data provider', signal);
    return typeof body['message'] === 'string' ? body['message'] : 'submitted';
  }

  async trackingUrl(customerId: string, signal?: AbortSignal): Promise<string> {
    const body = await this.call('GET', '/api/flops/tracking/', { customerID: customerId }, 'give the MLflow tracking URL', signal);
    const url = body['tracking_server_url'];
    if (typeof url !== 'string' || url === '') throw new OakestraError('orchestratorUnavailable', `The FLOps manager at ${this.url} answered without a tracking_server_url.`);
    return url;
  }
}

import { FlError, type FlErrorKind } from '../errors';

/**
 * What the deploy use cases need from an Oakestra system manager (oakestra-api.md), in our terms: ids
 * are plain strings, statuses open strings, numbers numbers. io/oakestra-client.ts implements it over
 * undici against the real API (and its quirks); tests run that client against a fake server.
 */

/** Where to deploy, as the user configured it (settings or the CLI); the password is never here. */
export interface OakestraTarget {
  /** The system manager's root, e.g. `http://192.168.1.10:10000`. */
  readonly url: string;
  readonly username: string;
  /** Absent: the server's default organisation (`root`). */
  readonly organization?: string;
}

export interface OakestraCluster {
  readonly id: string;
  readonly name: string;
  readonly active: boolean;
  readonly activeNodes: number;
  /** Sum of the workers' cores. */
  readonly vcpus: number;
  /** Sum of the workers' available memory, MB. */
  readonly memoryMb: number;
  readonly cpuPercent?: number;
  readonly memoryPercent?: number;
  readonly virtualization: readonly string[];
  readonly addons: readonly string[];
}

export interface OakestraInstance {
  /** Per service, increasing, never reused (gaps are normal). */
  readonly number: number;
  /** Open: known values are in oakestra-status.ts; anything else is shown raw. */
  readonly status: string;
  readonly detail: string;
  readonly clusterId: string;
  readonly publicIp: string;
  readonly cpuPercent?: number;
  readonly memoryPercent?: number;
  /** The last 1024 bytes of the instance's output (refreshed about every 15 s). */
  readonly logs: string;
}

export interface OakestraService {
  readonly id: string;
  readonly applicationId: string;
  readonly name: string;
  readonly namespace: string;
  readonly status: string;
  readonly detail: string;
  readonly image: string;
  readonly instances: readonly OakestraInstance[];
}

export interface OakestraApplication {
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly description: string;
  readonly serviceIds: readonly string[];
}

export interface ServiceCreation {
  readonly deployed: readonly string[];
  readonly failed: readonly { readonly name: string; readonly message?: string }[];
}

export interface OakestraApi {
  readonly url: string;
  /** No auth needed: every registered cluster, or only those that reported within 30 s. */
  clusters(activeOnly: boolean, signal?: AbortSignal): Promise<OakestraCluster[]>;
  /** The caller's applications. */
  applications(signal?: AbortSignal): Promise<OakestraApplication[]>;
  /** Creates the SLA's application(s) and services; resolves to all of the caller's applications. */
  createApplication(sla: unknown, signal?: AbortSignal): Promise<OakestraApplication[]>;
  /** Deletes the application, its services and their instances. */
  deleteApplication(id: string, signal?: AbortSignal): Promise<void>;
  /** The application's services with their instances (one call covers a whole deployment). */
  services(applicationId: string, signal?: AbortSignal): Promise<OakestraService[]>;
  /** Adds the services of `sla.applications[0]` to an existing application. */
  addServices(sla: unknown, signal?: AbortSignal): Promise<ServiceCreation>;
  /** Deletes the service and undeploys its instances. */
  deleteService(id: string, signal?: AbortSignal): Promise<void>;
  /** Asks for one more instance (fire and forget: the outcome shows only by polling). */
  requestInstance(serviceId: string, signal?: AbortSignal): Promise<void>;
  /** Removes one instance by number (never -1: unreliable upstream). */
  removeInstance(serviceId: string, instance: number, signal?: AbortSignal): Promise<void>;
  /** A valid access token (logging in or refreshing as needed): the FLOps manager wants the caller's. */
  accessToken(signal?: AbortSignal): Promise<string>;
  /** HTTP requests made so far (for the benchmark and tests). */
  readonly requestCount: number;
}

/** The FLOps manager (oakestra-api.md §9), a separate API on the root host (port 5072). */
export interface FlopsManagerApi {
  readonly url: string;
  /** Resolves when `GET /` answers ok. */
  health(signal?: AbortSignal): Promise<void>;
  /** `POST /api/flops/projects/`: answered before any build or training starts. */
  submitProject(project: Readonly<Record<string, unknown>>, signal?: AbortSignal): Promise<string>;
  /** `POST /api/flops/mocks/`: a mock data provider for the project's data tag. */
  submitMockData(request: Readonly<Record<string, unknown>>, signal?: AbortSignal): Promise<string>;
  /** The customer's MLflow tracking server (FLOps deploys it if absent). */
  trackingUrl(customerId: string, signal?: AbortSignal): Promise<string>;
}

/** A failure of an Oakestra call: the HTTP status when there was an answer, for callers that map it. */
export class OakestraError extends FlError {
  constructor(
    kind: Extract<FlErrorKind, 'orchestratorRejected' | 'orchestratorUnavailable' | 'cancelled' | 'invalidInput'>,
    message: string,
    readonly status?: number,
    detail?: string,
  ) {
    super(kind, message, detail);
  }
}

/** Whether an error is an Oakestra answer with this status. */
export function hasStatus(error: unknown, status: number): boolean {
  return error instanceof OakestraError && error.status === status;
}

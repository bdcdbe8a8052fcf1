import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { request } from 'undici';
import { distDir } from '../repo-paths';
import type { FakeOakestraConfig } from './fake-oakestra';

/** Live documents of the fake, as `/__fake/state` returns them (plain JSON, string ids). */
export interface FakeOakestraState {
  readonly applications: (Record<string, unknown> & { _id: string; application_name: string; microservices: string[] })[];
  readonly services: (Record<string, unknown> & { _id: string; microservice_name: string; instance_list: Record<string, unknown>[] })[];
  readonly requests: string[];
  readonly flops: Record<string, unknown>[];
}

/**
 * The fake Oakestra (fake-oakestra.ts) in a separate process, as the tests use it: `start()` spawns
 * dist/test/unit/fakes/fake-oakestra-main.js and reads its URLs; `configure`, `state` and friends go
 * through its `/__fake/*` routes; `stop()` ends the process.
 */
export class FakeOakestraProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly flopsUrl: string,
  ) {}

  static async start(config: Partial<FakeOakestraConfig> = {}): Promise<FakeOakestraProcess> {
    const child = spawn(process.execPath, [path.join(distDir, 'test/unit/fakes/fake-oakestra-main.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the fake Oakestra exited (${String(code)}) before it listened`)));
    });
    const urls = JSON.parse(line) as { oakestra: string; flops: string };
    const fake = new FakeOakestraProcess(child, urls.oakestra, urls.flops);
    if (Object.keys(config).length > 0) await fake.configure(config);
    return fake;
  }

  private async control(method: 'GET' | 'POST', route: string, body?: unknown): Promise<unknown> {
    const response = await request(`${this.url}/__fake/${route}`, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`fake Oakestra ${route}: ${response.statusCode} ${text}`);
    return JSON.parse(text) as unknown;
  }

  async configure(config: Partial<FakeOakestraConfig>): Promise<void> {
    await this.control('POST', 'config', config);
  }

  async reset(config: Partial<FakeOakestraConfig> = {}): Promise<void> {
    await this.control('POST', 'reset', {});
    if (Object.keys(config).length > 0) await this.configure(config);
  }

  async addUser(user: { name: string; password: string; organization?: string; roles?: string[] }): Promise<void> {
    await this.control('POST', 'user', user);
  }

  /** Makes the issued tokens (of one type, or all) expired now. */
  async expireTokens(type?: 'access' | 'refresh'): Promise<void> {
    await this.control('POST', 'expire-tokens', type !== undefined ? { type } : {});
  }

  /** Sets what a worker would report for an instance: status, status_detail, a log line. */
  async setInstance(change: { service: string; instance: number; status?: string; detail?: string; log?: string }): Promise<void> {
    await this.control('POST', 'instance', change);
  }

  async state(): Promise<FakeOakestraState> {
    return (await this.control('GET', 'state')) as FakeOakestraState;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    await exited;
  }
}

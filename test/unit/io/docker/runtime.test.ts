import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { FlError } from '../../../../extension/core/errors';
import type { BuildProgress, ContainerEvent, ContainerSpec, ResourceSample } from '../../../../extension/core/ports';
import { DockerRuntime } from '../../../../extension/io/docker/runtime';

/**
 * DockerRuntime against a fake engine: an HTTP server on a Unix socket that answers like Docker does,
 * so dockerode and docker-modem run for real. It covers what the real engine cannot be made to do on
 * demand (a full disk, a newer API, chunks split at awkward bytes); test/docker covers the real engine.
 */

type Handler = (request: IncomingMessage, response: ServerResponse, body: Buffer) => void;

interface Recorded {
  readonly method: string;
  readonly url: string;
}

class FakeEngine {
  readonly requests: Recorded[] = [];
  private readonly routes: { method: string; pattern: RegExp; handler: Handler }[] = [];
  private server: Server | undefined;

  constructor(readonly socketPath: string) {}

  on(method: string, pattern: RegExp, handler: Handler): this {
    this.routes.push({ method, pattern, handler });
    return this;
  }

  json(method: string, pattern: RegExp, status: number, body: unknown): this {
    return this.on(method, pattern, (_, response) => {
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(body));
    });
  }

  /** A Docker that talks to this engine and names the given API version (none: it negotiates). */
  docker(version?: string): Docker {
    return new Docker({ socketPath: this.socketPath, ...(version !== undefined ? { version } : {}) });
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const url = request.url ?? '';
        this.requests.push({ method: request.method ?? '', url });
        const route = this.routes.find((r) => r.method === request.method && r.pattern.test(url.replace(/^\/v[\d.]+/, '').split('?')[0] ?? ''));
        if (route === undefined) {
          response.writeHead(404, { 'Content-Type': 'application/json' });
          response.end(JSON.stringify({ message: `fake engine: no route for ${request.method ?? ''} ${url}` }));
          return;
        }
        route.handler(request, response, Buffer.concat(chunks));
      });
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(this.socketPath, resolve));
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Writes the pieces of a streamed reply one by one, each flushed as its own chunk, then ends it. */
function streamReply(response: ServerResponse, contentType: string, pieces: readonly Buffer[], end = true): void {
  response.writeHead(200, { 'Content-Type': contentType });
  let i = 0;
  const next = (): void => {
    if (i < pieces.length) {
      response.write(pieces[i++], next);
    } else if (end) {
      response.end();
    }
  };
  next();
}

/** Docker's multiplexed log frame. */
function frame(stream: 1 | 2, payload: string | Buffer): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

/** Cuts bytes into pieces at the given offsets. */
function cut(data: Buffer, ...offsets: number[]): Buffer[] {
  const points = [0, ...offsets, data.length];
  return points.slice(1).map((end, i) => data.subarray(points[i], end));
}

const versionReply = (api: string, min: string): { Version: string; ApiVersion: string; MinAPIVersion: string } => ({ Version: '27.3.1', ApiVersion: api, MinAPIVersion: min });

describe('DockerRuntime (fake engine)', () => {
  let scratch = '';
  let engine: FakeEngine;

  beforeEach(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'flops-fake-engine-'));
    engine = new FakeEngine(path.join(scratch, 'docker.sock'));
    await engine.start();
  });

  afterEach(async () => {
    await engine.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  describe('API version', () => {
    it('names 1.41 to an engine that also serves it', async () => {
      engine.json('GET', /^\/version$/, 200, versionReply('1.47', '1.24')).json('POST', /^\/volumes\/create$/, 201, { Name: 'v' });
      const runtime = new DockerRuntime(engine.docker());
      assert.equal(await runtime.ping(), '27.3.1');
      await runtime.createVolume('v', {});
      assert.deepEqual(engine.requests.map((r) => `${r.method} ${r.url.split('?')[0] ?? ''}`), ['GET /version', 'GET /v1.41/version', 'POST /v1.41/volumes/create']);
    });

    it('names the oldest version an engine serves when it no longer serves 1.41', async () => {
      engine.json('GET', /^\/version$/, 200, versionReply('1.51', '1.44'));
      await new DockerRuntime(engine.docker()).ping();
      assert.equal(engine.requests[1]?.url, '/v1.44/version');
    });

    it('names an older engine its own version', async () => {
      engine.json('GET', /^\/version$/, 200, versionReply('1.40', '1.12'));
      await new DockerRuntime(engine.docker()).ping();
      assert.equal(engine.requests[1]?.url, '/v1.40/version');
    });

    it('keeps a version the Docker instance was built with', async () => {
      engine.json('GET', /^\/version$/, 200, versionReply('1.47', '1.24'));
      await new DockerRuntime(engine.docker('v1.43')).ping();
      assert.deepEqual(engine.requests.map((r) => r.url), ['/v1.43/version']);
    });
  });

  describe('errors', () => {
    beforeEach(() => {
      engine.json('GET', /^\/version$/, 200, versionReply('1.41', '1.12'));
    });

    it('turns "no space left on device" into what to do', async () => {
      engine.json('POST', /^\/volumes\/create$/, 500, { message: 'mkdir /var/lib/docker/volumes/v: no space left on device' });
      await assert.rejects(new DockerRuntime(engine.docker()).createVolume('v', {}), (error: Error) => {
        assert.ok(!(error instanceof FlError), 'an engine failure, not a foreseen kind');
        assert.match(error.message, /^The Docker engine is out of disk space: mkdir .*no space left on device\. Run `docker system df`/);
        return true;
      });
    });

    it('passes other engine messages on as they are, without the HTTP prefix', async () => {
      engine.json('POST', /^\/containers\/create$/, 409, { message: 'Conflict. The container name "/a" is already in use by container "f00".' });
      await assert.rejects(new DockerRuntime(engine.docker()).startContainer(spec()), (error: Error) => {
        assert.ok(!(error instanceof FlError));
        assert.equal(error.message, 'Conflict. The container name "/a" is already in use by container "f00".');
        return true;
      });
    });

    it('names the port a program outside Docker holds, and removes the container that could not start', async () => {
      engine
        .json('POST', /^\/containers\/create$/, 201, { Id: 'c0ffee' })
        .json('POST', /^\/containers\/c0ffee\/start$/, 500, { message: 'driver failed programming external connectivity on endpoint a: Error starting userland proxy: listen tcp4 127.0.0.1:9093: bind: address already in use' })
        .on('DELETE', /^\/containers\/c0ffee$/, (_, response) => {
          response.writeHead(204);
          response.end();
        });
      await assert.rejects(new DockerRuntime(engine.docker()).startContainer(spec({ ports: [{ container: 9093, host: 9093 }] })), (error: Error) => {
        assert.match(error.message, /^Port 9093 on 127\.0\.0\.1 is already in use/);
        return true;
      });
      const removal = engine.requests.find((r) => r.method === 'DELETE');
      assert.ok(removal !== undefined, 'the created container is removed');
      assert.match(removal.url, /force=true/);
      assert.match(removal.url, /v=true/);
    });

    it('explains a socket this user may not open (EACCES)', async () => {
      // Root opens any socket, so the refusal is injected at dockerode's transport, its `modem` option.
      const modem = {
        socketPath: '/var/run/docker.sock',
        version: 'v1.41',
        dial: (_: unknown, callback: (error: Error) => void) => callback(Object.assign(new Error('connect EACCES /var/run/docker.sock'), { code: 'EACCES', syscall: 'connect' })),
      };
      const runtime = new DockerRuntime(new Docker({ modem } as unknown as Docker.DockerOptions));
      await assert.rejects(runtime.ping(), (error: unknown) => {
        assert.ok(error instanceof FlError && error.kind === 'dockerUnavailable');
        assert.match(error.message, /permission denied on \/var\/run\/docker\.sock/);
        assert.match(error.message, /`docker` group .* log in again/);
        assert.match(error.message, /rootless Docker .*DOCKER_HOST/);
        return true;
      });
    });

    it('refuses to remove by an empty label set, which would match everything', async () => {
      await assert.rejects(new DockerRuntime(engine.docker()).removeLabelled({}), /at least one label/);
      assert.deepEqual(engine.requests, []);
    });
  });

  describe('streams', () => {
    beforeEach(() => {
      engine.json('GET', /^\/version$/, 200, versionReply('1.41', '1.12'));
    });

    it('readLogs demultiplexes frames cut anywhere, keeps multi-byte characters whole, and flushes the last line', async () => {
      const bytes = Buffer.concat([
        frame(1, 'caf'),
        frame(1, Buffer.from('é one\r\nsecond ')),
        frame(2, 'warn: x\n'),
        frame(1, 'line\n'),
        frame(1, Buffer.from([0xe2, 0x98])),
        frame(1, Buffer.concat([Buffer.from([0x95]), Buffer.from(' no newline')])),
      ]);
      engine
        .on('GET', /^\/containers\/a\/logs$/, (request, response) => {
          if ((request.url ?? '').includes('follow=true')) streamReply(response, 'application/vnd.docker.raw-stream', cut(bytes, 1, 7, 9, 12, 30, 31, bytes.length - 3));
          else streamReply(response, 'application/vnd.docker.raw-stream', [frame(1, ' no newline')]);
        })
        .json('POST', /^\/containers\/a\/wait$/, 200, { StatusCode: 0 });
      const lines: string[] = [];
      await new DockerRuntime(engine.docker()).readLogs('a', { follow: true }, (line, stream) => lines.push(`${stream}: ${line}`));
      assert.deepEqual(lines, ['stdout: café one', 'stderr: warn: x', 'stdout: second line', 'stdout: ☕ no newline']);
    });

    it('readLogs adds an unterminated last line the followed stream ended before, once', async () => {
      engine
        .on('GET', /^\/containers\/a\/logs$/, (request, response) => {
          if ((request.url ?? '').includes('follow=true')) streamReply(response, 'application/vnd.docker.raw-stream', [frame(1, 'ready\n'), frame(2, 'stopping\n')]);
          else streamReply(response, 'application/vnd.docker.raw-stream', [frame(2, 'stopping\n'), frame(1, 'bye')]);
        })
        .json('POST', /^\/containers\/a\/wait$/, 200, { StatusCode: 3 });
      const lines: string[] = [];
      await new DockerRuntime(engine.docker()).readLogs('a', { follow: true }, (line, stream) => lines.push(`${stream}: ${line}`));
      assert.deepEqual(lines, ['stdout: ready', 'stderr: stopping', 'stdout: bye']);
      const wait = engine.requests.find((r) => r.url.includes('/wait'));
      assert.match(wait?.url ?? '', /condition=not-running/, 'the engine has written the whole log once the container is not running');
    });

    it('watchEvents parses objects split across chunks and maps them', async () => {
      const die = JSON.stringify({
        status: 'die',
        Type: 'container',
        Action: 'die',
        Actor: { ID: 'c0ffee', Attributes: { exitCode: '137', image: 'flops-app:1', name: 'run-learner-1', 'flops.run': 'r1', 'flops.role': 'learner' } },
        time: 1700000000,
        timeNano: 0,
        // As the engine sends it: more digits than a double holds.
      }).replace('"timeNano":0', '"timeNano":1700000000123456789');
      const start = JSON.stringify({ Type: 'container', Action: 'start', Actor: { ID: 'c0ffee', Attributes: { name: 'run-learner-1', 'flops.run': 'r1' } }, time: 1700000001 });
      const reply = Buffer.from(`${die}\n${start}\n`);
      engine.on('GET', /^\/events$/, (_, response) => streamReply(response, 'application/json', cut(reply, 5, 40, die.length + 3), false));
      const events: ContainerEvent[] = [];
      const watch = new AbortController();
      const done = new DockerRuntime(engine.docker()).watchEvents({ 'flops.run': 'r1' }, watch.signal, (event) => {
        events.push(event);
        if (events.length === 2) watch.abort();
      });
      await done;
      assert.deepEqual(events, [
        { name: 'run-learner-1', labels: { 'flops.run': 'r1', 'flops.role': 'learner' }, action: 'die', exitCode: 137, time: 1700000000123 },
        { name: 'run-learner-1', labels: { 'flops.run': 'r1' }, action: 'start', time: 1700000001000 },
      ]);
      const query = new URL(`http://engine${engine.requests.at(-1)?.url ?? ''}`).searchParams;
      assert.deepEqual(JSON.parse(query.get('filters') ?? ''), { type: ['container'], label: ['flops.run=r1'] });
      assert.ok(Number(query.get('since')) <= Date.now() / 1000, 'asks from before the call, so nothing between call and subscription is lost');
    });

    it('watchEvents rejects with kind dockerUnavailable when the engine ends the stream', async () => {
      engine.on('GET', /^\/events$/, (_, response) => streamReply(response, 'application/json', []));
      await assert.rejects(new DockerRuntime(engine.docker()).watchEvents({ 'flops.run': 'r1' }, new AbortController().signal, () => undefined), (error: unknown) => error instanceof FlError && error.kind === 'dockerUnavailable');
    });

    it('watchResources computes CPU as docker stats does and ends at the first zeroed sample', async () => {
      const sample = (read: string, cpu: number, system: number, preCpu: number, preSystem: number): string =>
        JSON.stringify({
          read,
          cpu_stats: { cpu_usage: { total_usage: cpu }, system_cpu_usage: system, online_cpus: 2 },
          precpu_stats: { cpu_usage: { total_usage: preCpu }, ...(preSystem > 0 ? { system_cpu_usage: preSystem } : {}) },
          memory_stats: { usage: 80 * 1024 * 1024, limit: 256 * 1024 * 1024, stats: { total_inactive_file: 16 * 1024 * 1024, cache: 40 * 1024 * 1024 } },
        });
      const stopped = JSON.stringify({ read: '0001-01-01T00:00:00Z', cpu_stats: { cpu_usage: { total_usage: 0 } }, precpu_stats: { cpu_usage: { total_usage: 0 } }, memory_stats: {} });
      const body = [sample('2025-01-01T00:00:00Z', 1e8, 4e9, 0, 0), sample('2025-01-01T00:00:01Z', 6e8, 6e9, 1e8, 4e9), stopped].join('\n');
      // Never ended: the real engine keeps sending zeroed samples after the container stopped.
      engine.on('GET', /^\/containers\/a\/stats$/, (_, response) => streamReply(response, 'application/json', [Buffer.from(`${body}\n`)], false));
      const samples: ResourceSample[] = [];
      await new DockerRuntime(engine.docker()).watchResources('a', new AbortController().signal, (s) => samples.push(s));
      // cpu: 5e8 / 2e9 * 2 cores * 100 = 50 % of one core; memory: usage minus inactive file pages.
      assert.deepEqual(samples, [{ name: 'a', cpuPercent: 50, memoryMb: 64, memoryLimitMb: 256 }]);
    });

    it('buildImage reports steps, strips colour codes, and fails naming the step with its last lines', async () => {
      writeFileSync(path.join(scratch, 'Dockerfile'), 'FROM base\nRUN false\n');
      const messages = [
        { stream: 'Step 1/2 : FROM base' },
        { stream: '\n' },
        { stream: ' ---> 45029f2e8cb4\n' },
        { stream: 'Step 2/2 : RUN false' },
        { stream: '\n ---> Running in 348946dbfb71\n' },
        { stream: '\u001b[91mtraceback line\n\u001b[0m' },
        ...Array.from({ length: 40 }, (_, i) => ({ stream: `out ${i}\n` })),
        { errorDetail: { code: 1, message: "The command '/bin/sh -c false' returned a non-zero code: 1" }, error: "The command '/bin/sh -c false' returned a non-zero code: 1" },
      ];
      const reply = Buffer.from(messages.map((m) => `${JSON.stringify(m)}\r\n`).join(''));
      engine.on('POST', /^\/build$/, (_, response) => streamReply(response, 'application/json', cut(reply, 10, 100, 101, 300)));
      const progress: BuildProgress[] = [];
      const build = new DockerRuntime(engine.docker()).buildImage(
        { contextDir: scratch, files: ['Dockerfile'], dockerfile: 'Dockerfile', tag: 'flops-app:1', buildArgs: { A: '1' }, labels: { 'flops.run': 'r1' } },
        { onProgress: (p) => progress.push(p) },
      );
      await assert.rejects(build, (error: Error) => {
        assert.equal(
          error.message,
          [
            "The image build failed at step 2/2 (RUN false): The command '/bin/sh -c false' returned a non-zero code: 1",
            'Last 30 lines of its output:',
            ...Array.from({ length: 30 }, (_, i) => `out ${i + 10}`),
          ].join('\n'),
        );
        return true;
      });
      assert.deepEqual(progress.slice(0, 5), [
        { line: 'Step 1/2 : FROM base', step: { index: 1, total: 2, instruction: 'FROM base' } },
        { line: ' ---> 45029f2e8cb4' },
        { line: 'Step 2/2 : RUN false', step: { index: 2, total: 2, instruction: 'RUN false' } },
        { line: ' ---> Running in 348946dbfb71' },
        { line: 'traceback line' },
      ]);
      const query = new URL(`http://engine${engine.requests.at(-1)?.url ?? ''}`).searchParams;
      assert.deepEqual(
        { t: query.get('t'), forcerm: query.get('forcerm'), version: query.get('version'), buildargs: query.get('buildargs'), labels: query.get('labels') },
        { t: 'flops-app:1', forcerm: 'true', version: '1', buildargs: '{"A":"1"}', labels: '{"flops.run":"r1"}' },
      );
    });

    it('buildImage rejects a stream that ends without an image id', async () => {
      writeFileSync(path.join(scratch, 'Dockerfile'), 'FROM base\n');
      engine.on('POST', /^\/build$/, (_, response) => streamReply(response, 'application/json', [Buffer.from('{"stream":"Step 1/1 : FROM base\\n"}\r\n')]));
      await assert.rejects(
        new DockerRuntime(engine.docker()).buildImage({ contextDir: scratch, files: ['Dockerfile'], dockerfile: 'Dockerfile', tag: 'flops-app:1', buildArgs: {}, labels: {} }, {}),
        /ended without a result/,
      );
    });

    it('buildImage reports a context file that vanished as such, not as a missing engine', async () => {
      writeFileSync(path.join(scratch, 'Dockerfile'), 'FROM base\n');
      engine.on('POST', /^\/build$/, (_, response) => streamReply(response, 'application/json', [Buffer.from('{"aux":{"ID":"sha256:1"}}\r\n')]));
      await assert.rejects(
        new DockerRuntime(engine.docker()).buildImage({ contextDir: scratch, files: ['Dockerfile', 'gone.py'], dockerfile: 'Dockerfile', tag: 'flops-app:1', buildArgs: {}, labels: {} }, {}),
        (error: Error) => {
          assert.ok(!(error instanceof FlError), `${error.name}: ${error.message}`);
          assert.match(error.message, /ENOENT.*gone\.py/);
          return true;
        },
      );
    });

    it('buildImage refuses a Dockerfile that is not among the files sent', async () => {
      await assert.rejects(
        new DockerRuntime(engine.docker()).buildImage({ contextDir: scratch, files: ['main.py'], dockerfile: '.flops/Dockerfile', tag: 'flops-app:1', buildArgs: {}, labels: {} }, {}),
        /\.flops\/Dockerfile is not among the files sent .*"!\.flops\/Dockerfile"/,
      );
      assert.ok(!engine.requests.some((r) => r.url.includes('/build')));
    });
  });
});

function spec(extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return { name: 'a', image: 'flops-app:1', cmd: ['python3'], env: [], labels: { 'flops.run': 'r1' }, network: 'run-net', aliases: ['a'], ...extra };
}

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OakestraError } from '../../../extension/core/deploy/oakestra-api';
import { decodeOakestra, OakestraClient, oakestraId } from '../../../extension/io/oakestra-client';
import { FakeOakestraProcess } from '../fakes/fake-oakestra-process';

/** The Oakestra client against the fake system manager, a separate process (oakestra-api.md §12). */

const sla = (name = 'flapp', services = ['aggr', 'learner1']) => ({
  sla_version: 'v2.0',
  customerID: 'Admin',
  applications: [
    {
      applicationID: '',
      application_name: name,
      application_namespace: 'flops',
      application_desc: 'test',
      microservices: services.map((s) => ({ microserviceID: '', microservice_name: s, microservice_namespace: 'flops', virtualization: 'container', code: 'registry.local/app:1', memory: 100, vcpus: 1 })),
    },
  ],
});

function rejects(pattern: RegExp, status?: number, kind = 'orchestratorRejected') {
  return (error: unknown) => {
    assert.ok(error instanceof OakestraError, `not an OakestraError: ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    if (status !== undefined) assert.equal(error.status, status, error.message);
    assert.match(error.message, pattern);
    return true;
  };
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('io: Oakestra client against the fake Oakestra process', function () {
  this.timeout(30_000);
  let fake: FakeOakestraProcess;
  const client = (options: Partial<ConstructorParameters<typeof OakestraClient>[0]> = {}) => new OakestraClient({ target: { url: fake.url, username: 'Admin' }, password: 'Admin', ...options });

  before(async () => {
    fake = await FakeOakestraProcess.start();
  });
  after(async () => fake.stop());
  beforeEach(async () => fake.reset());

  it('decodes double-encoded bodies and both _id shapes', () => {
    assert.deepEqual(decodeOakestra(JSON.stringify(JSON.stringify([{ a: 1 }]))), [{ a: 1 }]);
    assert.deepEqual(decodeOakestra('[{"a":1}]'), [{ a: 1 }]);
    assert.equal(decodeOakestra('"just text"'), 'just text');
    assert.equal(decodeOakestra(''), undefined);
    assert.equal(oakestraId({ $oid: 'abc' }), 'abc');
    assert.equal(oakestraId('abc'), 'abc');
    assert.equal(oakestraId(7), '');
  });

  for (const plainJson of [false, true]) {
    it(`creates an application, lists its services and follows an instance to RUNNING (${plainJson ? '#461 plain JSON' : 'double-encoded, $oid ids'})`, async () => {
      await fake.configure({ plainJson });
      const oak = client();
      const clusters = await oak.clusters(true);
      assert.equal(clusters.length, 1);
      assert.equal(clusters[0]?.name, 'cluster1');
      assert.equal(clusters[0]?.memoryMb, 8192);
      const apps = await oak.createApplication(sla());
      const app = apps.find((a) => a.name === 'flapp');
      assert.ok(app !== undefined && /^[0-9a-f]{24}$/.test(app.id));
      assert.equal(app.serviceIds.length, 2);
      const services = await oak.services(app.id);
      assert.deepEqual(services.map((s) => s.name).sort(), ['aggr', 'learner1']);
      const aggr = services.find((s) => s.name === 'aggr');
      assert.ok(aggr !== undefined);
      await oak.requestInstance(aggr.id);
      const running = await eventually(
        () => oak.services(app.id),
        (list) => list.find((s) => s.id === aggr.id)?.instances[0]?.status === 'RUNNING',
      );
      const instance = running.find((s) => s.id === aggr.id)?.instances[0];
      assert.equal(instance?.status, 'RUNNING');
      assert.equal(instance?.number, 0);
      assert.equal(instance?.publicIp, '192.168.1.20');
      assert.equal(instance?.cpuPercent, 3.5);
      assert.deepEqual((await oak.applications()).map((a) => a.id), [app.id]);
      await oak.removeInstance(aggr.id, 0);
      await oak.deleteApplication(app.id);
      const state = await fake.state();
      assert.deepEqual(state.applications, []);
      assert.deepEqual(state.services, []);
      // Exact paths: never a slash-less collection (which would be a 308), never a followed redirect.
      assert.ok(state.requests.every((r) => !/ \/api\/(application|applications|service|services|clusters)$/.test(r)), state.requests.join('\n'));
    });
  }

  it('refreshes the access token about 60 s before it expires, without logging in again', async () => {
    await fake.configure({ accessTtlSeconds: 30 });
    const oak = client();
    await oak.applications();
    await oak.applications();
    const { requests } = await fake.state();
    assert.equal(requests.filter((r) => r === 'POST /api/auth/login').length, 1);
    assert.ok(requests.filter((r) => r === 'POST /api/auth/refresh').length >= 1, requests.join('\n'));
  });

  it('refreshes once when the server says the token expired, then retries the call', async () => {
    const oak = client();
    await oak.applications();
    await fake.expireTokens('access');
    assert.equal((await oak.applications()).length, 0);
    const { requests } = await fake.state();
    assert.equal(requests.filter((r) => r === 'POST /api/auth/refresh').length, 1);
    assert.equal(requests.filter((r) => r === 'POST /api/auth/login').length, 1);
  });

  it('logs in again when the refresh token has expired too, on both auth dialects', async () => {
    const oak = client();
    const [app] = await oak.createApplication(sla());
    await fake.expireTokens();
    assert.equal((await oak.services(app?.id ?? '')).length, 2); // custom guard: {"message"}
    await fake.expireTokens();
    assert.equal((await oak.applications()).length, 1); // jwt_required: {"msg"}
    const { requests } = await fake.state();
    assert.equal(requests.filter((r) => r === 'POST /api/auth/login').length, 3);
  });

  it('says what to check for wrong credentials, an unknown organization and an unknown user', async () => {
    await assert.rejects(client({ password: 'wrong' }).applications(), rejects(/refused the username or password of Admin \(401\).*FLOPS_OAKESTRA_PASSWORD/, 401));
    await assert.rejects(client({ target: { url: fake.url, username: 'Admin', organization: 'nope' } }).applications(), rejects(/does not know the organization "nope" \(404\)/, 404));
    await assert.rejects(client({ target: { url: fake.url, username: 'ghost' } }).clusters(true).then(() => client({ target: { url: fake.url, username: 'ghost' } }).applications()), rejects(/refused the username or password of ghost/, 401));
  });

  it('works for a non-admin user through its own id, and maps admin-only refusals', async () => {
    await fake.addUser({ name: 'alice', password: 'pw' });
    const oak = client({ target: { url: fake.url, username: 'alice' }, password: 'pw' });
    const [app] = await oak.createApplication(sla('aliceapp'));
    assert.equal(app?.name, 'aliceapp');
    assert.deepEqual((await oak.applications()).map((a) => a.name), ['aliceapp']);
    // Admin's client cannot see alice's services.
    await assert.rejects(client().services(app?.id ?? ''), rejects(/not found, or not owned by Admin \(404\)/, 404));
  });

  it('maps 409, 422, 500 and 400 to hints, never relying on a message field', async () => {
    const oak = client();
    await oak.createApplication(sla());
    await assert.rejects(oak.createApplication(sla()), rejects(/already exists for Admin \(409\).*flops undeploy/, 409));
    const bad = sla('bad-name');
    await assert.rejects(oak.createApplication(bad), rejects(/does not pass its schema \(422/, 422));
    await assert.rejects(oak.createApplication({ ...sla('other'), sla_version: 'v1.0' }), rejects(/unsupported sla_version/, 500));
    await assert.rejects(oak.addServices({ ...sla(), applications: [{ ...sla().applications[0], applicationID: '000000000000000000000000' }] }), rejects(/every service-create failure/, 400));
    await assert.rejects(oak.deleteApplication('000000000000000000000000'), rejects(/\(501: unknown or not owned/, 501));
    await assert.rejects(oak.removeInstance('x', -1), rejects(/-1 \("all"\) is unreliable/, undefined, 'invalidInput'));
  });

  it('names the URL for an unreachable root, a timeout and a server that is not Oakestra; honours cancellation', async () => {
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(new OakestraClient({ target: { url: `http://127.0.0.1:${port}`, username: 'Admin' }, password: 'x' }).clusters(true), rejects(new RegExp(`Oakestra at http://127.0.0.1:${port} is unreachable \\(ECONNREFUSED\\).*port \\(10000 by default\\)`), undefined, 'orchestratorUnavailable'));

    await fake.configure({ delayMs: 1000 });
    await assert.rejects(client({ timeoutMs: 200 }).clusters(true), rejects(/did not answer GET \/api\/clusters\/active within 0.2 s/, undefined, 'orchestratorUnavailable'));
    const controller = new AbortController();
    const pending = client().clusters(true, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, rejects(/Cancelled/, undefined, 'cancelled'));
    await fake.configure({ delayMs: 0 });

    const html = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Oakestra dashboard</body></html>');
    });
    await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(html.address() as AddressInfo).port}`;
      await assert.rejects(new OakestraClient({ target: { url, username: 'Admin' }, password: 'x' }).clusters(true), rejects(/did not answer GET \/api\/clusters\/active with JSON.*not at the dashboard/, undefined, 'orchestratorUnavailable'));
    } finally {
      await new Promise<void>((resolve) => html.close(() => resolve()));
    }
    assert.throws(() => new OakestraClient({ target: { url: 'ftp://x', username: 'a' }, password: 'b' }), /not an http\(s\) URL/);
  });
});

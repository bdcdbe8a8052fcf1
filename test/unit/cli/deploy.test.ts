import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TimelineStep } from '../fakes/fake-oakestra';
import { FakeOakestraProcess } from '../fakes/fake-oakestra-process';
import { distDir, repoRoot } from '../repo-paths';
import { cli as runCli, type CliResult } from './run-cli';

/**
 * `flops deploy`, `undeploy` and `deployments` (the built CLI in a child process) against the fake
 * Oakestra in its own process: the whole path from a generated project to RUNNING instances and a
 * finished Flower run, the faults of issue #12, and undeploy leaving nothing behind. The image push
 * against a real registry is test/docker/deploy-registry.test.ts; here the image is "already there"
 * (--no-push).
 */

/** The built CLI with the fake's default password in its environment. */
function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(args, undefined, { env: { FLOPS_OAKESTRA_PASSWORD: 'Admin', ...env }, timeoutMs: 90_000 });
}

const metricsLine = (round: number, rounds: number): string =>
  JSON.stringify({ flops: 'round', v: 1, run_id: 'r1', round, rounds, strategy: 'FedAvg', time_ms: 1000 * round, train: { loss: 1 / round }, evaluate: { loss: 0.9 / round, accuracy: 0.5 + round / 10 }, nodes: { train: 2, evaluate: 2 }, failures: { train: 0, evaluate: 0 }, learners: [] });

const runTimeline = (rounds: number, end: TimelineStep = { status: 'COMPLETED' }): TimelineStep[] => [
  { status: 'CLUSTER_SCHEDULED' },
  { status: 'NODE_SCHEDULED' },
  { status: 'CREATING' },
  { status: 'RUNNING', log: 'waiting for 10.30.1.1:9093' },
  ...Array.from({ length: rounds }, (_, i): TimelineStep => ({ status: 'RUNNING', log: metricsLine(i + 1, rounds) })),
  end,
];

describe('flops deploy / undeploy / deployments against the fake Oakestra', function () {
  this.timeout(180_000);
  const scratch = mkdtempSync(path.join(tmpdir(), 'flops-deploy-cli-'));
  let fake: FakeOakestraProcess;
  let repo: string;
  let target: string[];

  before(async () => {
    fake = await FakeOakestraProcess.start();
  });
  after(async () => {
    await fake.stop();
    rmSync(scratch, { recursive: true, force: true });
  });
  let count = 0;
  beforeEach(async () => {
    await fake.reset({ stepMs: 80, byService: { run: runTimeline(3) } });
    // The folder name is the app's name: one folder per test, the same name.
    repo = path.join(scratch, String(++count), 'mnist-sklearn');
    cpSync(path.join(repoRoot, 'examples/mnist-sklearn'), repo, { recursive: true, filter: (source) => !source.includes(`${path.sep}.flops`) });
    const project = JSON.parse(readFileSync(path.join(repo, 'flops.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(repo, 'flops.json'), JSON.stringify({ ...project, image: { registry: '127.0.0.1:5999/flops' } }, null, 2));
    target = ['--url', fake.url, '--username', 'Admin', '--poll-interval', '0.02'];
  });

  it('takes a generated project from nothing to a finished run, says so in plain words, and undeploys leaving nothing', async () => {
    const deploy = await cli(['deploy', repo, ...target, '--no-push']);
    assert.equal(deploy.status, 0, deploy.stderr + deploy.stdout);
    assert.match(deploy.stdout, /Creating the application mnistsklea \(4 services\)/);
    assert.match(deploy.stdout, /learner1 #0: a worker was chosen; pulling the image may take minutes/);
    assert.match(deploy.stdout, /aggr #0: running on 192\.168\.1\.20/);
    assert.match(deploy.stdout, /round 3\/3 finished \(loss 0\.3000\)/);
    assert.match(deploy.stdout, /The Flower run finished after 3 rounds/);
    const state = await fake.state();
    assert.equal(state.applications.length, 1);
    assert.deepEqual(state.services.map((s) => s.microservice_name).sort(), ['aggr', 'learner1', 'learner2', 'run']);
    const aggr = state.services.find((s) => s.microservice_name === 'aggr');
    assert.match(String(aggr?.['image']), /^127\.0\.0\.1:5999\/flops\/flops-mnist-sklearn:[0-9a-f]{16}$/);
    assert.match(String((aggr?.['addresses'] as { rr_ip?: string } | undefined)?.rr_ip), /^10\.30\./);
    const learner = state.services.find((s) => s.microservice_name === 'learner1');
    assert.ok((learner?.['cmd'] as string[]).includes(`${String((aggr?.['addresses'] as { rr_ip: string }).rr_ip)}:9092`));
    const record = JSON.parse(readFileSync(path.join(repo, '.flops/deployments', `127.0.0.1-${new URL(fake.url).port}.json`), 'utf8')) as { state: string; outcome: string; services: { id: string }[] };
    assert.equal(record.state, 'deployed');
    assert.equal(record.outcome, 'finished');
    assert.equal(record.services.length, 4);
    // Every instance was requested once, one POST per service.
    assert.equal(state.requests.filter((r) => /^POST \/api\/service\/[0-9a-f]+\/instance$/.test(r)).length, 4);

    const listed = await cli(['deployments', repo, ...target.slice(0, 4)]);
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /learner1 +1\/1 running/);
    assert.match(listed.stdout, /run +0\/1 running, 1 completed/);

    const again = await cli(['deploy', repo, ...target, '--no-push']);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /Nothing changed since the last deploy/);
    assert.equal((await fake.state()).requests.filter((r) => r === 'POST /api/application/').length, 1);

    const undeploy = await cli(['undeploy', repo, ...target.slice(0, 4)]);
    assert.equal(undeploy.status, 0, undeploy.stderr);
    assert.match(undeploy.stdout, /Removed 4 instance\(s\), 4 service\(s\) and the application mnistsklea/);
    const after = await fake.state();
    assert.deepEqual(after.applications, []);
    assert.deepEqual(after.services, []);
    assert.ok(!after.requests.some((r) => /\/instance\/-1$/.test(r)), 'never undeploys with -1');
    assert.ok(!existsSync(path.join(repo, '.flops/deployments', `127.0.0.1-${new URL(fake.url).port}.json`)));
    const twice = await cli(['undeploy', repo, ...target.slice(0, 4)]);
    assert.equal(twice.status, 0);
    assert.match(twice.stdout, /Nothing to undeploy/);
  });

  it('replaces only what changed on a re-deploy, detached, with JSON output', async () => {
    const first = await cli(['deploy', repo, ...target, '--no-push', '--detach', '--format', 'json']);
    assert.equal(first.status, 0, first.stderr);
    const plan = JSON.parse(first.stdout) as { outcome: string; plan: { services: { name: string; role: string }[] }; record: { services: { name: string; id: string }[] } };
    assert.equal(plan.outcome, 'running');
    assert.deepEqual(plan.plan.services.map((s) => `${s.name}:${s.role}`), ['aggr:aggregator', 'learner1:learner', 'learner2:learner', 'run:starter']);
    // Only the SLA's learner2 changes (its memory): the others keep their ids.
    const slaPath = path.join(repo, '.flops/flops.sla.json');
    const sla = JSON.parse(readFileSync(slaPath, 'utf8')) as { applications: { microservices: { microservice_name: string; memory: number }[] }[] };
    const learner2 = sla.applications[0]?.microservices.find((m) => m.microservice_name === 'learner2');
    assert.ok(learner2 !== undefined);
    learner2.memory = 600;
    writeFileSync(slaPath, JSON.stringify(sla, null, 2));
    const second = await cli(['deploy', repo, ...target, '--no-push', '--detach', '--format', 'json']);
    assert.equal(second.status, 0, second.stderr);
    const after = JSON.parse(second.stdout) as { record: { services: { name: string; id: string }[] } };
    const ids = (r: { services: { name: string; id: string }[] }) => Object.fromEntries(r.services.map((s) => [s.name, s.id]));
    assert.equal(ids(after.record)['aggr'], ids(plan.record)['aggr']);
    assert.equal(ids(after.record)['learner1'], ids(plan.record)['learner1']);
    assert.notEqual(ids(after.record)['learner2'], ids(plan.record)['learner2']);
    assert.match(second.stderr, /Replacing learner2 \(changed or removed\)/);
    const state = await fake.state();
    assert.equal(state.services.find((s) => s.microservice_name === 'learner2')?.['memory'], 600);
    assert.equal(state.services.length, 4);
    await cli(['undeploy', repo, ...target.slice(0, 4)]);
    assert.deepEqual((await fake.state()).services, []);
  });

  it('validates before sending anything: a broken SLA, no registry, no cluster with capacity', async () => {
    await cli(['generate', repo]);
    const slaPath = path.join(repo, '.flops/flops.sla.json');
    const sla = JSON.parse(readFileSync(slaPath, 'utf8')) as { applications: { application_name: string; microservices: { port?: unknown }[] }[] };
    const app = sla.applications[0];
    assert.ok(app !== undefined);
    app.application_name = 'has-dash';
    writeFileSync(slaPath, JSON.stringify(sla));
    const invalid = await cli(['deploy', repo, ...target, '--no-push']);
    assert.equal(invalid.status, 1, invalid.stderr);
    assert.match(invalid.stderr, /flops\.sla\.json: applications\[0\]\.application_name: application_name must be 1 to 30 letters or digits.*\(flops\/sla-schema\)/);
    assert.match(invalid.stderr, /nothing was sent to Oakestra/);
    assert.ok((await fake.state()).requests.length === 0, 'not even a probe');

    rmSync(slaPath);
    await fake.configure({ clusters: [{ _id: 'c1', candidate_name: 'tiny', memory: 64, vcpus: 1, heartbeatAgeSeconds: 1, virtualization: ['docker'], supported_addons: [] }] });
    const small = await cli(['deploy', repo, ...target, '--no-push']);
    assert.equal(small.status, 1, small.stderr);
    assert.match(small.stderr, /aggr asks for \d+ MB and 1 CPU, but no active cluster has that much free .*tiny, has 64 MB/);
    await fake.configure({ clusters: [{ _id: 'c1', candidate_name: 'gone', memory: 9999, vcpus: 8, heartbeatAgeSeconds: 45, virtualization: ['docker'], supported_addons: [] }] });
    const inactive = await cli(['deploy', repo, ...target, '--no-push']);
    assert.equal(inactive.status, 1);
    assert.match(inactive.stderr, /No Oakestra cluster is active/);
    assert.ok(!(await fake.state()).requests.includes('POST /api/application/'));

    const project = JSON.parse(readFileSync(path.join(repo, 'flops.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(repo, 'flops.json'), JSON.stringify({ ...project, image: {} }));
    const noRegistry = await cli(['deploy', repo, ...target, '--no-push']);
    assert.equal(noRegistry.status, 1);
    assert.match(noRegistry.stderr, /sets no image.registry/);
  });

  it('refuses to run without a password or username, and never takes one from an argument', async () => {
    const noPassword = await cli(['deploy', repo, '--url', fake.url, '--username', 'Admin'], { FLOPS_OAKESTRA_PASSWORD: '' });
    assert.equal(noPassword.status, 2);
    assert.match(noPassword.stderr, /set FLOPS_OAKESTRA_PASSWORD or pass --password-stdin \(never an argument\)/);
    const noUser = await cli(['deploy', repo, '--url', fake.url]);
    assert.equal(noUser.status, 2);
    assert.match(noUser.stderr, /never falls back to Admin\/Admin/);
    const argument = await cli(['deploy', repo, '--url', fake.url, '--username', 'Admin', '--password', 'Admin']);
    assert.equal(argument.status, 2);
    assert.match(argument.stderr, /Unknown option '--password'/);
    const wrong = await cli(['deploy', repo, ...target, '--no-push'], { FLOPS_OAKESTRA_PASSWORD: 'nope' });
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /refused the username or password of Admin \(401\)/);
    // --password-stdin reads the first line of stdin.
    const child = spawn(process.execPath, [path.join(distDir, 'cli.js'), 'deploy', repo, ...target, '--no-push', '--detach', '--password-stdin'], { env: { ...process.env, FLOPS_OAKESTRA_PASSWORD: '' } });
    child.stdin.end('Admin\n');
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, out);
    assert.match(out, /Every instance runs/);
  });

  it('reports an unreachable root, a duplicate application, and a silently dropped service (rolled back)', async () => {
    const unreachable = await cli(['deploy', repo, '--url', 'http://127.0.0.1:9', '--username', 'Admin', '--no-push']);
    assert.equal(unreachable.status, 2);
    assert.match(unreachable.stderr, /Oakestra at http:\/\/127\.0\.0\.1:9 is unreachable \(ECONNREFUSED\)/);

    // Someone else's application with the same name and namespace: 409, explained, nothing adopted.
    await cli(['generate', repo]);
    const sla = JSON.parse(readFileSync(path.join(repo, '.flops/flops.sla.json'), 'utf8')) as unknown;
    const { OakestraClient } = await import('../../../extension/io/oakestra-client');
    const other = new OakestraClient({ target: { url: fake.url, username: 'Admin' }, password: 'Admin' });
    await other.createApplication(sla);
    const duplicate = await cli(['deploy', repo, ...target, '--no-push']);
    assert.equal(duplicate.status, 2);
    assert.match(duplicate.stderr, /already exists for Admin \(409\)/);
    for (const app of await other.applications()) await other.deleteApplication(app.id);

    await fake.configure({ dropServices: ['learner2'] });
    const dropped = await cli(['deploy', repo, ...target, '--no-push']);
    assert.equal(dropped.status, 2, dropped.stdout);
    assert.match(dropped.stderr, /created 3 of the 4 services and silently dropped learner2.*The application was removed again/);
    const state = await fake.state();
    assert.deepEqual(state.applications, []);
    assert.deepEqual(state.services, []);
  });

  it('explains a 422 that our own validation did not predict, and a backend failure', async () => {
    await fake.configure({ failRoutes: { 'POST /api/application/': 422 } });
    const schema = await cli(['deploy', repo, ...target, '--no-push']);
    assert.equal(schema.status, 2, schema.stdout);
    assert.match(schema.stderr, /does not pass its schema \(422; the server does not say why\)\. Our own validation of the SLA found no error, so the server's schema differs/);
    await fake.configure({ failRoutes: { 'GET /api/clusters/active': 502 } });
    const backend = await cli(['deploy', repo, ...target, '--no-push']);
    assert.equal(backend.status, 2);
    assert.match(backend.stderr, /answered GET \/api\/clusters\/active with 502/);
    assert.deepEqual((await fake.state()).applications, []);
  });

  it('stops on Ctrl-C while creating, says what is left, and the record lets undeploy remove it', async () => {
    await fake.configure({ delayMs: 250 });
    const child = spawn(process.execPath, [path.join(distDir, 'cli.js'), 'deploy', repo, ...target, '--no-push'], { env: { ...process.env, FLOPS_OAKESTRA_PASSWORD: 'Admin' } });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    for (;;) {
      if ((await fake.state()).requests.some((r) => /^POST \/api\/service\/[0-9a-f]+\/instance$/.test(r))) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 130, err);
    assert.match(err, /Deploy interrupted\. What it created so far is in .*\.flops\/deployments\/127\.0\.0\.1-\d+\.json: "flops deploy" starts over from it \(removing that first\), "flops undeploy" removes it/);
    await fake.configure({ delayMs: 0 });
    const undeploy = await cli(['undeploy', repo, ...target.slice(0, 4)]);
    assert.equal(undeploy.status, 0, undeploy.stderr);
    const state = await fake.state();
    assert.deepEqual(state.applications, []);
    assert.deepEqual(state.services, []);
  });

  it('never lets a deployment record that came with the repository steer undeploy at someone else\'s application', async () => {
    // The user's own application, not made by this repository.
    const { OakestraClient } = await import('../../../extension/io/oakestra-client');
    const oak = new OakestraClient({ target: { url: fake.url, username: 'Admin' }, password: 'Admin' });
    const sla = { sla_version: 'v2.0', customerID: 'Admin', applications: [{ applicationID: '', application_name: 'precious', application_namespace: 'prod', application_desc: 'mine', microservices: [{ microserviceID: '', microservice_name: 'db', microservice_namespace: 'prod', virtualization: 'container', code: 'r/db:1', memory: 100, vcpus: 1 }] }] };
    const [precious] = await oak.createApplication(sla);
    assert.ok(precious !== undefined);
    const recordDir = path.join(repo, '.flops/deployments');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(recordDir, { recursive: true });
    const file = path.join(recordDir, `127.0.0.1-${new URL(fake.url).port}.json`);
    const hostile = { v: 1, deploymentId: 'evil', target: { name: `127.0.0.1-${new URL(fake.url).port}`, url: fake.url, username: 'Admin' }, state: 'deployed', createdAt: 1, updatedAt: 1, application: { name: 'precious', namespace: 'prod', id: precious.id }, image: { local: 'x', remote: 'r/x', pushed: false }, services: [{ name: 'db', role: 'aggregator', id: precious.serviceIds[0], fingerprint: 'f', instancesRequested: 1 }], config: { rounds: 1, strategy: 'FedAvg', learners: 1, environment: [], settings: {} } };
    writeFileSync(file, JSON.stringify(hostile));
    const refused = await cli(['undeploy', repo, ...target.slice(0, 4)]);
    assert.equal(refused.status, 2, refused.stdout);
    assert.match(refused.stderr, /The application precious \([0-9a-f]+\) on .* was not created by this deployment record \(its description lacks the record's deployment id\), so it is not removed/);
    assert.equal((await fake.state()).applications.length, 1, 'the application is still there');
    assert.equal((await fake.state()).services.length, 1);
    // A record made for another root is refused outright.
    writeFileSync(file, JSON.stringify({ ...hostile, target: { ...hostile.target, url: 'http://203.0.113.9:10000' } }));
    const elsewhere = await cli(['deploy', repo, ...target, '--no-push']);
    assert.equal(elsewhere.status, 2);
    assert.match(elsewhere.stderr, /was made for Admin at http:\/\/203\.0\.113\.9:10000, not Admin at http:\/\/127\.0\.0\.1:\d+/);
    assert.equal((await fake.state()).requests.filter((r) => r === 'POST /api/application/').length, 1, 'only the test\'s own create: the refused deploy sent nothing');
  });

  it('records the MLflow server the deployed aggregator logs to, and warns when it cannot reach one', async () => {
    const project = JSON.parse(readFileSync(path.join(repo, 'flops.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(repo, 'flops.json'), JSON.stringify({ ...project, simulation: { mlflow: { enabled: true } } }));
    const compose = await cli(['deploy', repo, ...target, '--no-push', '--detach']);
    assert.equal(compose.status, 0, compose.stderr);
    assert.match(compose.stdout, /warning: The deployed ServerApp logs to MLflow at http:\/\/mlflow:5000 .* does not exist on Oakestra/);
    writeFileSync(path.join(repo, 'flops.json'), JSON.stringify({ ...project, simulation: { mlflow: { enabled: true, tracking_uri: 'http://10.0.0.5:5000' } } }));
    const tracked = await cli(['deploy', repo, ...target, '--no-push', '--detach', '--format', 'json']);
    assert.equal(tracked.status, 0, tracked.stderr);
    assert.equal((JSON.parse(tracked.stdout) as { record: { trackingUrl?: string } }).record.trackingUrl, 'http://10.0.0.5:5000');
    assert.doesNotMatch(tracked.stderr, /warning: .*MLflow/);
    await cli(['undeploy', repo, ...target.slice(0, 4)]);
    assert.deepEqual((await fake.state()).services, []);
  });

  it('explains a scheduling failure, an instance stuck in NODE_SCHEDULED, and a failed run with its log', async () => {
    await fake.configure({ byService: { learner2: [{ status: 'NoActiveClusterWithCapacity', job: true }], run: runTimeline(1) } });
    const noCapacity = await cli(['deploy', repo, ...target, '--no-push']);
    assert.equal(noCapacity.status, 1, noCapacity.stderr);
    assert.match(noCapacity.stdout, /learner2 cannot be scheduled: NoActiveClusterWithCapacity — no active cluster has the memory, CPU/);
    await cli(['undeploy', repo, ...target.slice(0, 4)]);

    await fake.configure({ byService: { learner1: [{ status: 'CLUSTER_SCHEDULED' }, { status: 'NODE_SCHEDULED' }], run: [{ status: 'RUNNING' }] } });
    const stuck = await cli(['deploy', repo, ...target, '--no-push', '--stuck-after', '0.01']);
    assert.equal(stuck.status, 1, stuck.stderr);
    assert.match(stuck.stdout, /learner1 #0 has been NODE_SCHEDULED for 0 min: a worker was chosen; pulling the image may take minutes\. The worker may be unable to pull 127\.0\.0\.1:5999\/flops\/flops-mnist-sklearn:[0-9a-f]{16}/);
    await cli(['undeploy', repo, ...target.slice(0, 4)]);

    await fake.configure({ byService: { run: runTimeline(1, { status: 'FAILED', detail: 'exit code 1', log: 'flwr: error: the SuperLink refused the run' }) } });
    const failed = await cli(['deploy', repo, ...target, '--no-push']);
    assert.equal(failed.status, 1, failed.stderr);
    assert.match(failed.stdout, /run #0: failed .*\(exit code 1\)/);
    assert.match(failed.stdout, /The Flower run failed \(the run service is FAILED: exit code 1\)\. Its log ends:\n(?: {2}.*\n)* {2}flwr: error: the SuperLink refused the run/);
    await cli(['undeploy', repo, ...target.slice(0, 4)]);
    assert.deepEqual((await fake.state()).services, []);
  });

  it('survives token expiry while following, in #461 plain-JSON mode', async () => {
    await fake.configure({ plainJson: true, accessTtlSeconds: 1, byService: { run: runTimeline(40) }, stepMs: 60 });
    const deploy = await cli(['deploy', repo, ...target, '--no-push']);
    assert.equal(deploy.status, 0, deploy.stderr);
    assert.match(deploy.stdout, /The Flower run finished after 40 rounds/);
    const { requests } = await fake.state();
    assert.ok(requests.filter((r) => r === 'POST /api/auth/refresh').length >= 1, 'refreshed while following');
    await cli(['undeploy', repo, ...target.slice(0, 4)]);
  });

  it('cleans up after a deploy killed halfway: the next deploy starts over, undeploy finds the application by its record', async () => {
    // Slow answers, so the process is killed while it creates.
    await fake.configure({ delayMs: 300 });
    const child = spawn(process.execPath, [path.join(distDir, 'cli.js'), 'deploy', repo, ...target, '--no-push'], { env: { ...process.env, FLOPS_OAKESTRA_PASSWORD: 'Admin' } });
    for (;;) {
      const state = await fake.state();
      if (state.requests.includes('POST /api/application/')) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    await fake.configure({ delayMs: 0 });
    const recordFile = path.join(repo, '.flops/deployments', `127.0.0.1-${new URL(fake.url).port}.json`);
    assert.equal((JSON.parse(readFileSync(recordFile, 'utf8')) as { state: string }).state, 'creating');
    const resumed = await cli(['deploy', repo, ...target, '--no-push', '--detach']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, /An earlier deploy was interrupted: removing what it created before deploying again/);
    assert.equal((await fake.state()).applications.length, 1);
    const undeploy = await cli(['undeploy', repo, ...target.slice(0, 4)]);
    assert.equal(undeploy.status, 0);
    const state = await fake.state();
    assert.deepEqual(state.applications, []);
    assert.deepEqual(state.services, []);
  });

  it('shows the records offline and the differences from the last local run with --diff', async () => {
    const none = await cli(['deployments', repo]);
    assert.equal(none.status, 0);
    assert.match(none.stdout, /No deployments of .* are recorded/);
    await cli(['deploy', repo, ...target, '--no-push', '--detach']);
    const offline = await cli(['deployments', repo]);
    assert.match(offline.stdout, /mnistsklea on http:\/\/127\.0\.0\.1:\d+ as Admin, 4 services, deployed, running/);
    const diff = await cli(['deployments', repo, ...target.slice(0, 4), '--diff']);
    assert.equal(diff.status, 0, diff.stderr);
    assert.match(diff.stdout, /Local run vs deployment/);
    assert.match(diff.stdout, /≠ rounds +\(no local run\) +→ +3/);
    const json = JSON.parse((await cli(['deployments', repo, ...target.slice(0, 4), '--diff', '--format', 'json'])).stdout) as { diff: { what: string; same: boolean }[] };
    assert.ok(json.diff.some((d) => d.what === 'strategy'));
    await cli(['undeploy', repo, ...target.slice(0, 4)]);
  });
});

describe('flops deploy in FLOps add-on mode against the fake FLOps manager', function () {
  this.timeout(120_000);
  const scratch = mkdtempSync(path.join(tmpdir(), 'flops-deploy-addon-'));
  let fake: FakeOakestraProcess;
  let repo: string;
  let count = 0;

  before(async () => {
    fake = await FakeOakestraProcess.start();
  });
  after(async () => {
    await fake.stop();
    rmSync(scratch, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await fake.reset({ stepMs: 40, flopsTrainingSteps: 8 });
    repo = path.join(scratch, String(++count), 'mnist-sklearn');
    cpSync(path.join(repoRoot, 'examples/mnist-sklearn'), repo, { recursive: true, filter: (source) => !source.includes(`${path.sep}.flops`) });
    const project = JSON.parse(readFileSync(path.join(repo, 'flops.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(repo, 'flops.json'), JSON.stringify({ ...project, target: 'flops-addon' }, null, 2));
  });

  const addon = (): string[] => ['--url', fake.url, '--username', 'Admin', '--flops-url', fake.flopsUrl, '--poll-interval', '0.03', '--force'];

  it('submits the FLOps fields only, follows the stages to the end, shows the tracking URL, and undeploy removes only the project', async () => {
    const deploy = await cli(['deploy', repo, ...addon(), '--mock-data']);
    assert.equal(deploy.status, 0, deploy.stderr + deploy.stdout);
    assert.match(deploy.stdout, /FLOps: New FLOps project started successfully/);
    assert.match(deploy.stdout, /FLOps: New Mock-Data-Provider started successfully/);
    assert.match(deploy.stdout, /MLflow tracking of this customer: http:\/\/192\.168\.1\.20:7027/);
    assert.match(deploy.stdout, /FLOps created the project application proj[0-9a-f]{12}/);
    assert.match(deploy.stdout, /image builder builder[0-9a-f]{12} #0: running/);
    assert.match(deploy.stdout, /learner flearner[0-9a-f]{12}1 #0: running/);
    assert.match(deploy.stdout, /FLOps observer: Training finished; undeploying the FL actors/);
    assert.match(deploy.stdout, /FLOps finished training and removed the FL actors; the metrics are in MLflow at http:\/\/192\.168\.1\.20:7027/);
    const state = await fake.state();
    const project = state.flops.find((f) => f['kind'] === 'project');
    assert.equal(project?.['ml_repo_url'], 'https://github.com/example-org/flops-mnist-sklearn');
    assert.equal(project?.['ml_model_flavor'], 'sklearn');
    assert.ok(project !== undefined && !('simulation' in project) && !('image' in project) && !('target' in project), 'only the FLOps request keys are sent');
    assert.deepEqual(state.flops.find((f) => f['kind'] === 'mock')?.['mock_data_configuration'], { dataset_name: 'mnist', number_of_partitions: 2, data_tag: 'digits' });
    assert.ok(state.requests.includes('flops GET /api/flops/tracking/'));

    const undeploy = await cli(['undeploy', repo, '--url', fake.url, '--username', 'Admin']);
    assert.equal(undeploy.status, 0, undeploy.stderr);
    const after = await fake.state();
    assert.deepEqual(after.applications.map((a) => a.application_name).sort(), ['helper', 'observatory'], 'the customer\'s shared observatory and helper stay');
  });

  it('refuses without a FLOps-learner cluster, and names an unreachable FLOps manager', async () => {
    await fake.configure({ clusters: [{ _id: 'c1', candidate_name: 'plain', memory: 8192, vcpus: 8, heartbeatAgeSeconds: 1, virtualization: ['docker'], supported_addons: [] }] });
    const noAddon = await cli(['deploy', repo, ...addon()]);
    assert.equal(noAddon.status, 1, noAddon.stdout);
    assert.match(noAddon.stderr, /No active cluster advertises the FLOps-learner addon/);
    await fake.reset({ stepMs: 40 });
    const down = await cli(['deploy', repo, '--url', fake.url, '--username', 'Admin', '--flops-url', 'http://127.0.0.1:9', '--force']);
    assert.equal(down.status, 2, down.stdout);
    assert.match(down.stderr, /The FLOps manager at http:\/\/127\.0\.0\.1:9 is unreachable \(ECONNREFUSED\)\. Check the FLOps manager URL \(port 5072/);
  });
});

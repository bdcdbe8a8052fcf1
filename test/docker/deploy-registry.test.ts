import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeOakestraProcess } from '../unit/fakes/fake-oakestra-process';
import { cli as runCli, type CliResult } from '../unit/cli/run-cli';
import { skipWithReason } from '../unit/skip-with-reason';
import { requireDockerEngine, run } from './docker-cli';
import { copyExampleForFakeFlower, ensureFakeFlowerImage } from './fake-flower-image';
import { LocalRegistry } from './local-registry';

/**
 * The push path of `flops deploy` for real: the image the simulation runs is built by the real engine
 * and pushed to a real registry (Debian's docker-registry on 127.0.0.1), then deployed to the fake
 * Oakestra, which gets the pushed reference; and the registry faults: plain HTTP not marked insecure,
 * a registry that is down, credentials refused and then given.
 */

/** The built CLI with the fake's default password in its environment (builds and pushes take minutes). */
function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(args, undefined, { env: { FLOPS_OAKESTRA_PASSWORD: 'Admin', ...env }, timeoutMs: 600_000, maxBuffer: 16 * 1024 * 1024 });
}

describe('flops deploy: building and pushing to a real registry', function () {
  this.timeout(900_000);
  const scratch = mkdtempSync(path.join(tmpdir(), 'flops-deploy-push-'));
  let fake: FakeOakestraProcess;
  let registry: LocalRegistry;
  let fakeImage = '';
  let count = 0;
  const pushed = new Set<string>();

  before(async function () {
    requireDockerEngine(this);
    if (!LocalRegistry.available()) {
      assert.notEqual(process.env['FLOPS_TEST_STRICT'], '1', 'docker-registry is missing, but .ci/run installs it');
      skipWithReason(this, 'docker-registry is not installed (apt-get install docker-registry)');
    }
    fakeImage = ensureFakeFlowerImage((line) => console.log(`    ${line}`));
    fake = await FakeOakestraProcess.start({ stepMs: 30 });
    registry = await LocalRegistry.start();
  });

  // The one-shot run service completes after two rounds: the Flower run ends and the deploy with it.
  const runEnds = { run: [{ status: 'CLUSTER_SCHEDULED' }, { status: 'NODE_SCHEDULED' }, { status: 'RUNNING' }, { status: 'RUNNING', log: '{"flops":"round","v":1,"run_id":"r","round":1,"rounds":2,"strategy":"FedAvg","time_ms":1,"train":null,"evaluate":{"loss":0.5},"nodes":{"train":2,"evaluate":2},"learners":[]}' }, { status: 'RUNNING', log: '{"flops":"round","v":1,"run_id":"r","round":2,"rounds":2,"strategy":"FedAvg","time_ms":2,"train":null,"evaluate":{"loss":0.25},"nodes":{"train":2,"evaluate":2},"learners":[]}' }, { status: 'COMPLETED' }] };
  beforeEach(async () => fake.reset({ stepMs: 30, byService: runEnds }));

  after(async () => {
    await fake?.stop();
    await registry?.stop();
    const local = run('docker', ['image', 'ls', '--filter', 'reference=flops-mnist-sklearn', '--format', '{{.Repository}}:{{.Tag}}']).stdout.split('\n').filter(Boolean);
    const tags = [...local, ...pushed];
    if (tags.length > 0) run('docker', ['image', 'rm', '-f', ...tags]);
    rmSync(scratch, { recursive: true, force: true });
  });

  /** A fresh copy of the example named mnist-sklearn (same app name, same content: same image tag). */
  function repo(registryAddress: string): string {
    const dir = path.join(scratch, String(++count), 'mnist-sklearn');
    mkdirSync(path.dirname(dir), { recursive: true });
    copyExampleForFakeFlower(dir, fakeImage);
    const project = JSON.parse(readFileSync(path.join(dir, 'flops.json'), 'utf8')) as { image: Record<string, unknown> };
    writeFileSync(path.join(dir, 'flops.json'), JSON.stringify({ ...project, image: { ...project.image, registry: `${registryAddress}/flops` } }, null, 2));
    return dir;
  }

  const target = (): string[] => ['--url', fake.url, '--username', 'Admin', '--poll-interval', '0.05'];

  it('builds the simulation image, pushes it, deploys the pushed reference and follows the run to its end; undeploy leaves nothing on Oakestra', async () => {
    const dir = repo(registry.address);
    const deploy = await cli(['deploy', dir, ...target(), '--insecure-registry']);
    assert.equal(deploy.status, 0, deploy.stderr + deploy.stdout);
    assert.match(deploy.stdout, /learner2 #0: running on 192\.168\.1\.20/);
    assert.match(deploy.stdout, /round 2\/2 finished \(loss 0\.2500\)/);
    assert.match(deploy.stdout, /The Flower run finished after 2 rounds/);
    assert.match(deploy.stdout, /Building flops-mnist-sklearn:[0-9a-f]{16} \(the image the simulation runs\)/);
    const reference = /Pushing (\S+)/.exec(deploy.stdout)?.[1] ?? '';
    assert.match(reference, new RegExp(`^${registry.address.replace(/\./g, '\\.')}/flops/flops-mnist-sklearn:[0-9a-f]{16}$`));
    pushed.add(reference);
    const tag = reference.split(':').pop() ?? '';
    assert.deepEqual(await registry.tags('flops/flops-mnist-sklearn'), [tag]);
    const record = JSON.parse(readFileSync(path.join(dir, '.flops/deployments', `127.0.0.1-${new URL(fake.url).port}.json`), 'utf8')) as { image: { remote: string; digest: string } };
    assert.equal(record.image.remote, reference);
    assert.equal(record.image.digest, await registry.digest('flops/flops-mnist-sklearn', tag));
    const state = await fake.state();
    assert.ok(state.services.length === 4 && state.services.every((s) => s['image'] === reference), JSON.stringify(state.services.map((s) => s['image'])));

    const undeploy = await cli(['undeploy', dir, ...target().slice(0, 4)]);
    assert.equal(undeploy.status, 0, undeploy.stderr);
    assert.deepEqual((await fake.state()).applications, []);
    assert.deepEqual((await fake.state()).services, []);
  });

  it('refuses a plain-HTTP registry not marked insecure, and a registry that is down, before creating anything', async () => {
    const dir = repo(registry.address);
    const plain = await cli(['deploy', dir, ...target(), '--detach']);
    assert.equal(plain.status, 2, plain.stdout);
    assert.match(plain.stderr, /speaks plain HTTP.*mark it insecure \(--insecure-registry/);
    const down = await LocalRegistry.start();
    const address = down.address;
    await down.stop();
    const gone = await cli(['deploy', repo(address), ...target(), '--detach', '--insecure-registry']);
    assert.equal(gone.status, 2, gone.stdout);
    assert.match(gone.stderr, new RegExp(`The registry ${address.replace(/\./g, '\\.')} \\(image.registry\\) cannot be reached from here: ECONNREFUSED.*Nothing was created on Oakestra`));
    assert.ok(!(await fake.state()).requests.includes('POST /api/application/'));
  });

  it('says when the registry refuses the credentials, and pushes with FLOPS_REGISTRY_USERNAME/PASSWORD', async () => {
    const user = { name: 'pusher', password: 'secret-123' };
    const guarded = await LocalRegistry.start({ user });
    try {
      const dir = repo(guarded.address);
      const refused = await cli(['deploy', dir, ...target(), '--detach', '--insecure-registry']);
      assert.equal(refused.status, 2, refused.stdout);
      assert.match(refused.stderr, /Pushing .* failed: .*(no basic auth credentials|unauthorized|authentication required).*FLOPS_REGISTRY_USERNAME and FLOPS_REGISTRY_PASSWORD.*Nothing was created on Oakestra/);
      assert.ok(!(await fake.state()).requests.includes('POST /api/application/'));
      const ok = await cli(['deploy', dir, ...target(), '--detach', '--insecure-registry'], { FLOPS_REGISTRY_USERNAME: user.name, FLOPS_REGISTRY_PASSWORD: user.password });
      assert.equal(ok.status, 0, ok.stderr + ok.stdout);
      const reference = /Pushing (\S+)/.exec(ok.stdout)?.[1] ?? '';
      pushed.add(reference);
      assert.deepEqual(await guarded.tags('flops/flops-mnist-sklearn', user), [reference.split(':').pop()]);
      assert.equal((await cli(['undeploy', dir, ...target().slice(0, 4)])).status, 0);
    } finally {
      await guarded.stop();
    }
  });
});

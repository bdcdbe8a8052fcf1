import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { oakestraSlaSchema } from '../../../../extension/core/config/oakestra-sla';
import { projectFileSchema } from '../../../../extension/core/config/project-file';
import { checkSlaSemantics } from '../../../../extension/core/config/sla-checks';
import { aggregatorRrIp, renderCompose, renderDockerfile, renderRequirements, renderSla } from '../../../../extension/core/generate/deployment';
import { renderRuntime, runConfig } from '../../../../extension/core/generate/render';
import { appRequirements, type RuntimeInput } from '../../../../extension/core/generate/runtime-input';
import { skipWithReason } from '../../skip-with-reason';

function input(project: unknown = {}, overrides: Partial<RuntimeInput> = {}): RuntimeInput {
  return {
    config: projectFileSchema.parse(project),
    flavor: 'sklearn',
    repoName: 'mnist-sklearn',
    dependencies: { source: 'conda.yaml', requirements: ['numpy==1.26.*', 'scikit-learn==1.5.*'], skipped: [] },
    ...overrides,
  };
}

/** Dockerfile instructions (comments and continuations folded), as [keyword, rest]. */
function instructions(dockerfile: string): [string, string][] {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))
    .map((l) => {
      const [keyword = '', ...rest] = l.trim().split(/\s+/);
      return [keyword.toUpperCase(), rest.join(' ')];
    });
}

describe('generate: the image (one Dockerfile for every role)', () => {
  it('builds from the configured base, installs dependencies before copying code, and runs as a non-root user', () => {
    const dockerfile = renderDockerfile(input({ image: { base_image: 'registry.local/py310-deps:1' } }, { flavor: 'pytorch' }));
    const steps = instructions(dockerfile);
    assert.deepEqual(steps[0], ['ARG', 'BASE_IMAGE=registry.local/py310-deps:1']);
    assert.deepEqual(steps[1], ['FROM', '${BASE_IMAGE}']);
    assert.match(dockerfile, /ML_MODEL_FLAVOR=pytorch/);
    assert.match(dockerfile, /FLWR_TELEMETRY_ENABLED=0/);
    const index = (predicate: (s: [string, string]) => boolean): number => steps.findIndex(predicate);
    const copyRequirements = index(([k, r]) => k === 'COPY' && r.startsWith('.flops/requirements.txt'));
    const pipInstall = index(([k, r]) => k === 'RUN' && r.includes('pip install') && r.includes('-r /tmp/flops/requirements.txt'));
    const copyCode = index(([k, r]) => k === 'COPY' && r.endsWith('. /app/'));
    const users = steps.filter(([k]) => k === 'USER');
    assert.ok(copyRequirements >= 0 && pipInstall > copyRequirements, 'requirements are installed from their own layer');
    assert.ok(copyCode > pipInstall, 'code is copied after the dependency layers');
    assert.ok(steps.slice(copyCode).every(([k]) => k === 'COPY' || k === 'USER' || k === 'CMD'), 'nothing but copies after the code');
    assert.deepEqual(users, [['USER', 'app']]);
    assert.match(dockerfile, /useradd --uid 49999/);
    // The classic builder and docker-compose v1 must build it: no BuildKit-only syntax.
    assert.doesNotMatch(dockerfile, /--mount|<<|^# syntax=/m);
  });

  it('copies only what the generator writes (or the repository itself)', () => {
    const files = renderRuntime(input({ flower: { version: '1.27.0' } }));
    const generated = files.map((f) => `.flops/${f.path}`);
    const dockerfile = files.find((f) => f.path === 'Dockerfile')?.content ?? '';
    const sources = instructions(dockerfile)
      .filter(([k]) => k === 'COPY')
      .map(([, rest]) => rest.split(' ').filter((w) => !w.startsWith('--'))[0] ?? '');
    assert.ok(sources.length >= 6);
    for (const source of sources) {
      if (source === '.') continue;
      assert.ok(generated.some((g) => g === source || g.startsWith(source.endsWith('/') ? source : `${source}/`)), `${source} is generated`);
    }
    assert.ok(sources.includes('.flops/flwr/config.toml'));
    assert.ok(!renderDockerfile(input({ flower: { version: '1.25.0' } })).includes('config.toml'), 'no config.toml before Flower 1.26');
  });

  it('installs exactly the app requirements', () => {
    const i = input();
    const lines = renderRequirements(i)
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));
    assert.deepEqual(lines, appRequirements(i));
  });
});

interface ComposeService {
  image: string;
  build?: { context: string; dockerfile: string; args: Record<string, string> };
  command: string[];
  depends_on?: string[];
  ports?: string[];
  stop_signal?: string;
  cpus?: number;
  mem_limit?: string;
}

describe('generate: compose.yaml for the local simulation', () => {
  const project = { training_configuration: { min_available_clients: 2 }, simulation: { learners: 3, learner_resources: { cpus: 0.5, memory_mb: 512 } } };

  it('has the aggregator, one SuperNode per learner with its partition, and a one-shot flwr run', () => {
    const text = renderCompose(input(project));
    // docker-compose v1 reads YAML 1.1 (PyYAML): every scalar must keep its type there too.
    const v11 = parse(text, { version: '1.1' }) as unknown;
    const compose = parse(text) as { version: string; services: Record<string, ComposeService>; volumes: Record<string, unknown> };
    assert.deepEqual(v11, compose);
    assert.equal(compose.version, '2.4');
    assert.deepEqual(Object.keys(compose.services), ['aggregator', 'learner-1', 'learner-2', 'learner-3', 'run']);
    const { aggregator, run } = compose.services as { aggregator: ComposeService; run: ComposeService };
    assert.deepEqual(aggregator.build, { context: '..', dockerfile: '.flops/Dockerfile', args: { BASE_IMAGE: 'python:3.10-slim' } });
    assert.deepEqual(aggregator.command, ['flower-superlink', '--insecure']);
    assert.deepEqual(aggregator.ports, ['127.0.0.1:9093:9093']);
    for (let i = 1; i <= 3; i++) {
      const learner = compose.services[`learner-${i}`] as ComposeService;
      assert.equal(learner.image, aggregator.image);
      assert.deepEqual(learner.command.slice(0, 4), ['flower-supernode', '--insecure', '--superlink', 'aggregator:9092']);
      assert.equal(learner.command[learner.command.indexOf('--node-config') + 1], `partition-id=${i - 1} num-partitions=3`);
      assert.equal(learner.cpus, 0.5);
      assert.equal(learner.mem_limit, '512m');
      assert.equal(learner.ports, undefined, 'learners publish nothing');
    }
    assert.deepEqual(run.depends_on, ['aggregator', 'learner-1', 'learner-2', 'learner-3']);
    assert.deepEqual(run.command.slice(run.command.indexOf('--') + 1), ['flwr', 'run', '/app', 'flops-compose', '--stream']);
    for (const [name, service] of Object.entries(compose.services)) assert.equal(service.stop_signal, 'SIGINT', `${name} stops on SIGINT`);
    assert.doesNotMatch(text, /dockerfile_inline/);
  });

  it('defaults to min_available_clients learners and follows --out', () => {
    const compose = parse(renderCompose(input({ training_configuration: { min_available_clients: 2 } }, { outDir: 'build/fl' }))) as { services: Record<string, ComposeService> };
    assert.deepEqual(Object.keys(compose.services), ['aggregator', 'learner-1', 'learner-2', 'run']);
    assert.deepEqual(compose.services['aggregator']?.build?.context, '../..');
    assert.deepEqual(compose.services['aggregator']?.build?.dockerfile, 'build/fl/Dockerfile');
  });

  it('adds an MLflow service when tracking is enabled without a server, and points the ServerApp at it', () => {
    const compose = parse(renderCompose(input({ simulation: { mlflow: { enabled: true, port: 5055 } } }))) as { services: Record<string, ComposeService & { environment?: Record<string, string> }>; volumes: Record<string, unknown> };
    const mlflow = compose.services['mlflow'];
    assert.ok(mlflow);
    assert.equal(mlflow.image, 'ghcr.io/mlflow/mlflow:v3.7.0');
    assert.deepEqual(mlflow.ports, ['127.0.0.1:5055:5000']);
    assert.match(mlflow.environment?.['MLFLOW_SERVER_ALLOWED_HOSTS'] ?? '', /mlflow:5000/);
    assert.deepEqual(compose.services['aggregator']?.depends_on, ['mlflow']);
    assert.ok('flops-mlflow' in compose.volumes);
    const config = new Map(runConfig(input({ simulation: { mlflow: { enabled: true } } })));
    assert.equal(config.get('mlflow-uri'), 'http://mlflow:5000');
    const external = input({ simulation: { mlflow: { enabled: true, tracking_uri: 'http://10.0.0.5:5000' } } });
    assert.equal(new Map(runConfig(external)).get('mlflow-uri'), 'http://10.0.0.5:5000');
    assert.ok(!('mlflow' in (parse(renderCompose(external)) as { services: Record<string, unknown> }).services));
    assert.equal(new Map(runConfig(input())).get('mlflow-uri'), '');
  });

  it('is accepted by docker compose config', async function () {
    this.timeout(60_000);
    const tools: [string, string[]][] = [
      ['docker-compose', []],
      ['docker', ['compose']],
    ];
    const work = mkdtempSync(path.join(tmpdir(), 'flops-compose-'));
    try {
      mkdirSync(path.join(work, '.flops'));
      for (const f of renderRuntime(input(project))) {
        mkdirSync(path.dirname(path.join(work, '.flops', f.path)), { recursive: true });
        writeFileSync(path.join(work, '.flops', f.path), f.content);
      }
      for (const [tool, prefix] of tools) {
        const result = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
          execFile(tool, [...prefix, '-f', path.join(work, '.flops/compose.yaml'), 'config', '-q'], { timeout: 30_000 }, (error, _stdout, stderr) => {
            resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stderr });
          });
        });
        // Not installed: no executable, or a docker CLI without the compose plugin.
        if (result.status === null || /unknown command|unknown shorthand flag|not a docker command|not found/i.test(result.stderr)) continue;
        assert.equal(result.status, 0, `${tool} ${prefix.join(' ')} config: ${result.stderr}`);
        return;
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    // .ci/run installs Debian's docker-compose, so in CI (FLOPS_TEST_STRICT=1) its absence is a failure.
    assert.notEqual(process.env['FLOPS_TEST_STRICT'], '1', 'docker-compose is missing, but .ci/run installs it (apt-get install docker-compose)');
    skipWithReason(this, 'neither docker-compose nor the docker compose plugin is installed (`apt-get install docker-compose`)');
  });
});

describe('generate: the Oakestra SLA', () => {
  it('is generated only when an image registry is configured', () => {
    assert.equal(renderSla(input()), undefined);
    assert.ok(!renderRuntime(input()).some((f) => f.path.endsWith('.sla.json')));
    assert.ok(renderRuntime(input({ image: { registry: 'ghcr.io/my-org' } })).some((f) => f.path === 'flops.sla.json'));
  });

  it('validates under the SLA schema and its checks, with a fixed aggregator rr_ip and one learner service per learner', () => {
    const text = renderSla(input({ image: { registry: 'ghcr.io/my-org/' }, training_configuration: { min_available_clients: 3 }, oakestra: { clusters: ['east', 'west'] } }));
    assert.ok(text !== undefined);
    const sla = JSON.parse(text) as unknown;
    const parsed = oakestraSlaSchema.safeParse(sla);
    assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
    assert.deepEqual(checkSlaSemantics(sla), []);
    const services = parsed.data.applications[0]?.microservices ?? [];
    assert.deepEqual(services.map((s) => s.microservice_name), ['aggr', 'learner1', 'learner2', 'learner3', 'run']);
    const rrIp = aggregatorRrIp('mnist-sklearn');
    assert.match(rrIp, /^10\.30\.\d{1,3}\.\d{1,3}$/);
    assert.equal(services[0]?.addresses?.rr_ip, rrIp);
    assert.equal(services[0]?.code, 'ghcr.io/my-org/mnist-sklearn:latest');
    // The one-shot run service starts the run at the aggregator's fixed IP, waiting for image pulls.
    const run = services[4];
    assert.equal(run?.one_shot, true);
    assert.deepEqual(run?.cmd?.slice(0, 6), ['python3', '-m', 'flops_app.wait_for', `${rrIp}:9093`, '--timeout', '900']);
    assert.deepEqual(run?.cmd?.slice(run.cmd.indexOf('--') + 1), ['flwr', 'run', '/app', 'flops-oakestra', '--stream']);
    services.slice(1, 4).forEach((s, i) => {
      assert.deepEqual(s.cmd?.slice(0, 4), ['flower-supernode', '--insecure', '--superlink', `${rrIp}:9092`]);
      assert.ok(s.cmd?.includes(`partition-id=${i} num-partitions=3`));
      assert.deepEqual(s.constraints, [{ type: 'direct', cluster: i % 2 === 0 ? 'east' : 'west' }]);
    });
    assert.equal(renderSla(input({ image: { registry: 'ghcr.io/my-org' } })), renderSla(input({ image: { registry: 'ghcr.io/my-org' } })));
  });
});

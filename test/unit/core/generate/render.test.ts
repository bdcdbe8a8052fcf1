import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { projectFileSchema } from '../../../../extension/core/config/project-file';
import { condaConstraintToPip, userDependencies } from '../../../../extension/core/generate/dependencies';
import { hasDrift, planGeneration, serializeManifest } from '../../../../extension/core/generate/manifest';
import { checkRuntimeInput, renderRuntime, runConfig } from '../../../../extension/core/generate/render';
import { appName, type RuntimeInput, usesPyprojectFederations } from '../../../../extension/core/generate/runtime-input';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

function input(project: unknown = {}, overrides: Partial<RuntimeInput> = {}): RuntimeInput {
  return {
    config: projectFileSchema.parse(project),
    flavor: 'sklearn',
    repoName: 'Ready_Sklearn',
    dependencies: { source: 'conda.yaml', requirements: ['numpy==1.26.*', 'scikit-learn==1.5.*'], skipped: [] },
    ...overrides,
  };
}

function file(files: { path: string; content: string }[], path: string): string {
  const found = files.find((f) => f.path === path);
  assert.ok(found, `${path} is generated`);
  return found.content;
}

describe('generate: rendering the Flower runtime', () => {
  it('is deterministic: the same input gives byte-identical files', () => {
    const project = { flower: { strategy: { name: 'FedProx', proximal_mu: 0.25 } }, simulation: { dataset: { partitioning: { method: 'dirichlet', alpha: 0.3 } } } };
    const a = renderRuntime(input(project));
    const b = renderRuntime(input(JSON.parse(JSON.stringify(project))));
    assert.deepEqual(a, b);
    assert.deepEqual(
      a.map((f) => f.path),
      [...a.map((f) => f.path)].sort(),
    );
  });

  it('writes the adapter, the shim, both apps and pyproject.toml', () => {
    const paths = renderRuntime(input()).map((f) => f.path);
    for (const p of ['flops_app/adapter.py', 'flops_app/server_app.py', 'flops_app/client_app.py', 'flops_utils/ml_repo_templates.py', 'flops_utils/ml_repo_building_blocks.py', 'flops_utils/partitioning.py', 'pyproject.toml']) {
      assert.ok(paths.includes(p), p);
    }
  });

  it('keeps Flower out of the adapter and the shim', () => {
    for (const f of renderRuntime(input())) {
      if (f.path.endsWith('server_app.py') || f.path.endsWith('client_app.py') || !f.path.endsWith('.py')) continue;
      assert.doesNotMatch(f.content, /^\s*(from|import)\s+flwr/m, f.path);
    }
  });

  it('takes rounds, strategy hyper-parameters, min nodes and round config from the project file', () => {
    const config = new Map(
      runConfig(
        input({
          training_configuration: { training_rounds: 7, min_available_clients: 4, min_fit_clients: 3, min_evaluate_clients: 2 },
          flower: { strategy: { name: 'FedAdam', eta: 0.05 }, round_config: { local_epochs: 2, learning_rate: 0.001 } },
        }),
      ),
    );
    assert.equal(config.get('num-server-rounds'), 7);
    assert.equal(config.get('strategy'), 'FedAdam');
    assert.equal(config.get('min-available-nodes'), 4);
    assert.equal(config.get('min-train-nodes'), 3);
    assert.equal(config.get('min-evaluate-nodes'), 2);
    assert.deepEqual(config.get('eta'), { float: 0.05 });
    assert.deepEqual(config.get('beta-2'), { float: 0.99 });
    assert.equal(config.get('local-epochs'), 2);
    assert.ok(!config.has('proximal-mu'));
    const pyproject = file(renderRuntime(input({ flower: { strategy: { name: 'FedAdam' } } })), 'pyproject.toml');
    assert.match(pyproject, /^fraction-train = 1\.0$/m, 'floats stay floats in TOML');
    assert.match(pyproject, /^serverapp = "flops_app\.server_app:app"$/m);
    assert.match(pyproject, /^name = "ready-sklearn"$/m);
    assert.match(pyproject, /^ {4}"flwr==1\.27\.0",$/m);
  });

  it('writes connections per Flower version: pyproject federations up to 1.25, config.toml from 1.26', () => {
    assert.equal(usesPyprojectFederations('1.23.0'), true);
    assert.equal(usesPyprojectFederations('1.25.9'), true);
    assert.equal(usesPyprojectFederations('1.26.0'), false);
    const old = renderRuntime(input({ flower: { version: '1.23.0' } }));
    assert.match(file(old, 'pyproject.toml'), /\[tool\.flwr\.federations\.flops\]\naddress = "127\.0\.0\.1:9093"\ninsecure = true/);
    assert.ok(!old.some((f) => f.path === 'flwr/config.toml'));
    const current = renderRuntime(input({ flower: { version: '1.27.0' } }));
    assert.doesNotMatch(file(current, 'pyproject.toml'), /federations/);
    assert.match(file(current, 'flwr/config.toml'), /\[superlink\.flops\]/);
    // On Oakestra the SuperLink is the aggregator's fixed round-robin IP, in both places.
    assert.match(file(current, 'flwr/config.toml'), /\[superlink\.flops-oakestra\]\naddress = "10\.30\.\d+\.\d+:9093"/);
    assert.match(file(old, 'pyproject.toml'), /\[tool\.flwr\.federations\.flops-oakestra\]\naddress = "10\.30\.\d+\.\d+:9093"/);
  });

  it('names the app with lowercase letters, digits and hyphens', () => {
    assert.equal(appName('Ready_Sklearn'), 'ready-sklearn');
    assert.equal(appName('__'), 'flops-app');
    assert.equal(appName('2024 run'), 'app-2024-run');
  });

  it('refuses what it cannot generate, with a clear reason', () => {
    const defaults = projectFileSchema.parse({});
    assert.deepEqual(checkRuntimeInput(defaults, 'pytorch'), { ok: true, flavor: 'pytorch' });
    const tf = checkRuntimeInput(projectFileSchema.parse({ ml_model_flavor: 'tensorflow' }), undefined);
    assert.ok(!tf.ok && /Unsupported flavor "tensorflow".*keras/.test(tf.message));
    const unknown = checkRuntimeInput(defaults, undefined);
    assert.ok(!unknown.ok && /ml_model_flavor/.test(unknown.message));
    const hfl = checkRuntimeInput(projectFileSchema.parse({ ml_model_flavor: 'sklearn', training_configuration: { mode: 'hierarchical' } }), undefined);
    assert.ok(!hfl.ok && /classic/.test(hfl.message));
  });
});

describe('generate: the user dependencies', () => {
  it('turns conda.yaml into pip requirements as the FLOps builder would (no python, pip, mlflow)', () => {
    const conda = 'name: x\nchannels: [conda-forge]\ndependencies:\n  - python=3.10.14\n  - pip\n  - numpy=1.26\n  - conda-forge::scikit-learn>=1.4,<1.6\n  - pytorch\n  - mlflow=2.12\n  - pip:\n      - torchvision==0.19.0\n      - mlflow-skinny\n';
    const result = userDependencies({ 'conda.yaml': conda });
    assert.ok(result.ok);
    assert.deepEqual(result.value, { source: 'conda.yaml', requirements: ['numpy==1.26.*', 'scikit-learn>=1.4,<1.6', 'torch', 'torchvision==0.19.0'], skipped: [] });
  });

  it('leaves conda-only system packages (CUDA, BLAS, libc runtimes) to the base image and says so in requirements.txt', () => {
    const conda = 'name: x\ndependencies:\n  - python=3.10\n  - cudatoolkit=11.8\n  - _libgcc_mutex=0.1\n  - libstdcxx-ng\n  - pytorch=2.1\n  - pip:\n      - mkl==2024.0\n';
    const result = userDependencies({ 'conda.yaml': conda });
    assert.ok(result.ok);
    assert.deepEqual(result.value.requirements, ['torch==2.1.*', 'mkl==2024.0'], 'a pip entry is the user\'s explicit choice and stays');
    assert.deepEqual(result.value.skipped, ['cudatoolkit=11.8', '_libgcc_mutex=0.1', 'libstdcxx-ng']);
    const requirements = renderRuntime(input({}, { dependencies: result.value })).find((f) => f.path === 'requirements.txt')?.content ?? '';
    assert.match(requirements, /^# Not installed \(conda-only system packages.*: cudatoolkit=11\.8, _libgcc_mutex=0\.1, libstdcxx-ng$/m);
    assert.doesNotMatch(requirements, /^cudatoolkit/m);
  });

  it('translates conda version constraints', () => {
    assert.equal(condaConstraintToPip(''), '');
    assert.equal(condaConstraintToPip('=1.26'), '==1.26.*');
    assert.equal(condaConstraintToPip('1.26.*'), '==1.26.*');
    assert.equal(condaConstraintToPip('=1.26.4=py310h_0'), '==1.26.4.*');
    assert.equal(condaConstraintToPip('==1.26.4'), '==1.26.4');
    assert.equal(condaConstraintToPip('>=1.2, <2'), '>=1.2,<2');
    assert.equal(condaConstraintToPip('[build=cuda*]'), undefined);
  });

  it('falls back to requirements.txt and says when there is no dependencies file', () => {
    const result = userDependencies({ 'requirements.txt': '# ML\nnumpy>=1.26  # arrays\n\nmlflow\nscikit-learn\n' });
    assert.ok(result.ok);
    assert.deepEqual(result.value.requirements, ['numpy>=1.26', 'scikit-learn']);
    const none = userDependencies({});
    assert.ok(!none.ok && /No dependencies file.*conda\.yaml.*requirements\.txt/.test(none.message));
    const options = userDependencies({ 'requirements.txt': '-r base.txt\n' });
    assert.ok(!options.ok && /not supported/.test(options.message));
  });
});

describe('generate: planning safe writes (manifest of generated hashes)', () => {
  const files = [
    { path: 'a.py', content: 'a = 1\n' },
    { path: 'b.py', content: 'b = 1\n' },
  ];
  const manifestOf = (entries: Record<string, string>): string => serializeManifest({ generator: 'flops-vscode', version: 1, files: entries });

  it('creates everything in an empty folder', () => {
    const plan = planGeneration(files, { manifestText: undefined, hashes: new Map() }, sha);
    assert.deepEqual(plan.files.map((f) => f.action), ['create', 'create']);
    assert.equal(plan.writes.length, 2);
    assert.ok(plan.manifestChanged);
  });

  it('touches nothing when the folder already holds this generation', () => {
    const manifestText = manifestOf({ 'a.py': sha('a = 1\n'), 'b.py': sha('b = 1\n') });
    const plan = planGeneration(files, { manifestText, hashes: new Map([['a.py', sha('a = 1\n')], ['b.py', sha('b = 1\n')]]) }, sha);
    assert.deepEqual(plan.files.map((f) => f.action), ['unchanged', 'unchanged']);
    assert.equal(plan.writes.length, 0);
    assert.equal(plan.manifestChanged, false);
    assert.equal(hasDrift(plan), false);
  });

  it('updates unedited files, keeps edited ones unless overwriting is asked for', () => {
    const manifestText = manifestOf({ 'a.py': sha('a = 0\n'), 'b.py': sha('b = 0\n') });
    const hashes = new Map([['a.py', sha('a = 0\n')], ['b.py', sha('b = 0  # mine\n')]]);
    const plan = planGeneration(files, { manifestText, hashes }, sha);
    assert.deepEqual(plan.files, [{ path: 'a.py', action: 'update' }, { path: 'b.py', action: 'keep-edited' }]);
    assert.deepEqual(plan.writes.map((f) => f.path), ['a.py']);
    assert.ok(hasDrift(plan));
    // The edited file keeps its old record, so it is still reported as edited next time.
    assert.match(plan.manifestText, new RegExp(sha('b = 0\n')));
    const forced = planGeneration(files, { manifestText, hashes }, sha, { overwriteEdited: true });
    assert.deepEqual(forced.files.map((f) => f.action), ['update', 'overwrite-edited']);
  });

  it('treats a file it has no record of as the user\'s', () => {
    const plan = planGeneration(files, { manifestText: undefined, hashes: new Map([['a.py', sha('hand written\n')]]) }, sha);
    assert.equal(plan.files[0]?.action, 'keep-edited');
  });

  it('deletes files no longer generated only when unedited, and ignores unsafe manifest paths', () => {
    const manifestText = manifestOf({ 'a.py': sha('a = 1\n'), 'b.py': sha('b = 1\n'), 'old.py': sha('old\n'), 'mine.py': sha('x\n') });
    const hashes = new Map([['a.py', sha('a = 1\n')], ['b.py', sha('b = 1\n')], ['old.py', sha('old\n')], ['mine.py', sha('y\n')]]);
    const plan = planGeneration(files, { manifestText, hashes }, sha);
    assert.deepEqual(plan.deletes, ['old.py']);
    assert.deepEqual(plan.files.slice(2), [{ path: 'mine.py', action: 'keep-stale' }, { path: 'old.py', action: 'delete' }]);
    const hostile = JSON.stringify({ generator: 'flops-vscode', version: 1, files: { '../../etc/passwd': sha('x') } });
    const safe = planGeneration(files, { manifestText: hostile, hashes: new Map([['../../etc/passwd', sha('x')]]) }, sha);
    assert.deepEqual(safe.deletes, []);
  });
});

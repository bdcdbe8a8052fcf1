import assert from 'node:assert/strict';
import { projectFileSchema } from '../../../../extension/core/config/project-file';
import { checkProjectRules, projectChecks, type ConfigIssue, type ProjectRuleOptions } from '../../../../extension/core/config/project-rules';

/** The issues of a project file given as JSON, as `severity path: message` lines. */
function issuesOf(value: unknown, options: ProjectRuleOptions = {}): ConfigIssue[] {
  return checkProjectRules(projectFileSchema.parse(value), options);
}

function only(value: unknown, options: ProjectRuleOptions = {}): ConfigIssue {
  const issues = issuesOf(value, options);
  assert.equal(issues.length, 1, `exactly one issue, got:\n${issues.map((i) => `${i.severity} ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  return issues[0] as ConfigIssue;
}

const tc = (fields: Record<string, unknown>) => ({ training_configuration: { min_available_clients: 2, min_fit_clients: 2, min_evaluate_clients: 2, ...fields } });

describe('project file cross-field rules (checkProjectRules)', () => {
  it('are named checks with unique kebab-case names and a title each, silent on the defaults', () => {
    const names = projectChecks.map((c) => c.name);
    assert.equal(new Set(names).size, names.length, `duplicate names: ${names.join(', ')}`);
    for (const check of projectChecks) {
      assert.match(check.name, /^[a-z]+(-[a-z0-9]+)*$/);
      assert.ok(check.title.length > 10, check.name);
      const issues: string[] = [];
      check.check(projectFileSchema.parse({}), {}, (path, message) => issues.push(`${path.join('.')}: ${message}`));
      assert.deepEqual(issues, [], check.name);
    }
  });

  it('deploy_trained_model_image needs build_image_for_trained_model', () => {
    const issue = only({ post_training_steps: ['deploy_trained_model_image'] });
    assert.deepEqual(issue.path, ['post_training_steps', 0]);
    assert.equal(issue.severity, 'error');
    assert.match(issue.message, /needs "build_image_for_trained_model" too; FLOps silently skips the deployment/);
    assert.deepEqual(issuesOf({ post_training_steps: ['build_image_for_trained_model', 'deploy_trained_model_image'] }), []);
  });

  it('use_devel_base_images needs supported_platforms ["linux/amd64"]', () => {
    const issue = only({ use_devel_base_images: true, supported_platforms: ['linux/arm64'] });
    assert.deepEqual(issue.path, ['use_devel_base_images']);
    assert.match(issue.message, /HTTP 400/);
    assert.deepEqual(issuesOf({ use_devel_base_images: true }), []);
  });

  it('counts, rounds and cycles are at least 1', () => {
    const issues = issuesOf({ training_configuration: { training_rounds: 0, training_cycles: 0, mode: 'hierarchical' } });
    assert.deepEqual(
      issues.filter((i) => i.severity === 'error').map((i) => i.message),
      ['training_rounds must be at least 1 (it is 0).', 'training_cycles must be at least 1 (it is 0).'],
    );
  });

  it('min_fit_clients and min_evaluate_clients are at most min_available_clients', () => {
    const issue = only(tc({ min_fit_clients: 3 }));
    assert.deepEqual(issue.path, ['training_configuration', 'min_fit_clients']);
    assert.match(issue.message, /min_fit_clients \(3\) is larger than min_available_clients \(2\).*wait forever/);
    assert.deepEqual(only(tc({ min_evaluate_clients: 4 })).path, ['training_configuration', 'min_evaluate_clients']);
  });

  it('training_cycles in classic mode is a warning', () => {
    const issue = only({ training_configuration: { training_cycles: 5 } });
    assert.equal(issue.severity, 'warning');
    assert.match(issue.message, /applies only to hierarchical mode/);
  });

  it('supported_platforms and image.platforms are non-empty and unique', () => {
    assert.match(only({ supported_platforms: [] }).message, /at least one platform/);
    assert.match(only({ supported_platforms: ['linux/amd64', 'linux/amd64'] }).message, /lists "linux\/amd64" twice/);
    assert.deepEqual(only({ image: { platforms: [] } }).path, ['image', 'platforms']);
  });

  it('non-default resource_constraints get an info finding', () => {
    const issue = only({ resource_constraints: { memory: 512 } });
    assert.equal(issue.severity, 'info');
    assert.match(issue.message, /does not apply them/);
  });

  describe('hierarchical mode needs clusters', () => {
    it('an info finding when no cluster is listed (checked at deploy time)', () => {
      const issue = only({ training_configuration: { mode: 'hierarchical' } });
      assert.equal(issue.severity, 'info');
      assert.deepEqual(issue.path, ['training_configuration', 'mode']);
    });

    it('an error when oakestra.clusters names only one', () => {
      const issue = only({ training_configuration: { mode: 'hierarchical' }, oakestra: { clusters: ['edge1'] } });
      assert.equal(issue.severity, 'error');
      assert.deepEqual(issue.path, ['oakestra', 'clusters']);
      assert.match(issue.message, /at least 2 clusters, but oakestra.clusters names only "edge1"/);
      assert.deepEqual(issuesOf({ training_configuration: { mode: 'hierarchical' }, oakestra: { clusters: ['edge1', 'edge2'] } }), []);
    });

    it('an error when the simulation has fewer than 2 clusters', () => {
      const issues = issuesOf({ training_configuration: { mode: 'hierarchical' }, oakestra: { clusters: ['a', 'b'] }, simulation: { clusters: 1 } });
      assert.deepEqual(issues.map((i) => [i.path.join('.'), i.severity]), [['simulation.clusters', 'error']]);
    });

    it('a cluster listed twice is a warning', () => {
      const issue = only({ oakestra: { clusters: ['a', 'a'] } });
      assert.equal(issue.severity, 'warning');
      assert.deepEqual(issue.path, ['oakestra', 'clusters', 1]);
    });
  });

  it('min_available_clients ≤ simulation.learners (per cluster in hierarchical mode)', () => {
    const issue = only({ ...tc({}), simulation: { learners: 1 } });
    assert.deepEqual(issue.path, ['simulation', 'learners']);
    assert.match(issue.message, /simulation.learners \(1\) gives fewer learners than min_available_clients \(2\).*at least 2/);
    assert.deepEqual(issuesOf({ ...tc({}), simulation: { learners: 2 } }), []);
    const hfl = { training_configuration: { mode: 'hierarchical', min_available_clients: 2 }, oakestra: { clusters: ['a', 'b'] }, simulation: { learners: 3, clusters: 2 } };
    assert.match(only(hfl).message, /per cluster \(3 over 2 clusters gives 1\).*at least 4/);
    assert.deepEqual(issuesOf({ ...hfl, simulation: { learners: 4, clusters: 2 } }), []);
  });

  it('Krum needs min_fit_clients ≥ 2f + 3', () => {
    const issue = only({ ...tc({ min_available_clients: 4, min_fit_clients: 4 }), flower: { strategy: { name: 'Krum', num_malicious_nodes: 1 } } });
    assert.deepEqual(issue.path, ['flower', 'strategy', 'num_malicious_nodes']);
    assert.match(issue.message, /needs at least 5 training learners per round \(2f \+ 3\), but min_fit_clients is 4/);
    assert.deepEqual(issuesOf({ ...tc({ min_available_clients: 5, min_fit_clients: 5 }), flower: { strategy: { name: 'Krum', num_malicious_nodes: 1 } } }), []);
  });

  it('FedProx with proximal_mu 0 is a warning', () => {
    const issue = only({ flower: { strategy: { name: 'FedProx', proximal_mu: 0 } } });
    assert.equal(issue.severity, 'warning');
    assert.match(issue.message, /plain FedAvg/);
    assert.deepEqual(issuesOf({ flower: { strategy: { name: 'FedProx' } } }), []);
  });

  it('a non-FedAvg strategy with the FLOps add-on target is a warning', () => {
    const issue = only({ target: 'flops-addon', flower: { strategy: { name: 'FedMedian' } } });
    assert.equal(issue.severity, 'warning');
    assert.match(issue.message, /always trains with FedAvg/);
    assert.deepEqual(issuesOf({ target: 'flops-addon' }), []);
  });

  it('Flower 1.23 or newer, and a Python base image new enough for it', () => {
    assert.match(only({ flower: { version: '1.13.1' } }).message, /too old.*1\.23 or newer/);
    const python = only({ image: { base_image: 'python:3.9-slim' } });
    assert.deepEqual(python.path, ['image', 'base_image']);
    assert.match(python.message, /Flower 1\.27\.0 needs Python 3\.10 or newer, but python:3\.9-slim has Python 3\.9/);
    assert.deepEqual(issuesOf({ flower: { version: '1.23.0' }, image: { base_image: 'python:3.9-slim' } }), []);
    assert.deepEqual(issuesOf({ image: { base_image: 'pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime' } }), []);
  });

  it('oakestra.url for the generated runtime needs image.registry', () => {
    const issue = only({ oakestra: { url: 'http://10.0.0.1:10000' } });
    assert.equal(issue.severity, 'warning');
    assert.match(issue.message, /needs image.registry/);
    assert.deepEqual(issuesOf({ oakestra: { url: 'http://10.0.0.1:10000' }, image: { registry: '10.0.0.1:5000' } }), []);
  });

  describe('simulation.dataset.file', () => {
    const exists = (present: string[]): ProjectRuleOptions => ({ fileExists: (p) => present.includes(p) });

    it('must exist, relative to flops.json', () => {
      const issue = only({ simulation: { dataset: { file: './data/train.csv' } } }, exists([]));
      assert.equal(issue.severity, 'error');
      assert.deepEqual(issue.path, ['simulation', 'dataset', 'file']);
      assert.match(issue.message, /"\.\/data\/train\.csv" does not exist/);
      assert.deepEqual(issuesOf({ simulation: { dataset: { file: './data/train.csv' } } }, exists(['data/train.csv'])), []);
    });

    it('is not judged outside the project folder, or when existence is unknown', () => {
      assert.deepEqual(issuesOf({ simulation: { dataset: { file: '../shared/train.csv' } } }, exists([])), []);
      assert.deepEqual(issuesOf({ simulation: { dataset: { file: '/data/train.csv' } } }, exists([])), []);
      assert.deepEqual(issuesOf({ simulation: { dataset: { file: 'data/train.csv' } } }, { fileExists: () => undefined }), []);
      assert.deepEqual(issuesOf({ simulation: { dataset: { file: 'data/train.csv' } } }), []);
    });

    it('warns about formats the local load_dataset() cannot read', () => {
      const issue = only({ simulation: { dataset: { file: 'data/train.xlsx' } } }, exists(['data/train.xlsx']));
      assert.equal(issue.severity, 'warning');
      assert.match(issue.message, /\.csv, \.parquet, \.json, \.jsonl/);
    });
  });

  it('mlflow.tracking_uri while MLflow is disabled is a warning', () => {
    const issue = only({ simulation: { mlflow: { tracking_uri: 'http://127.0.0.1:5000' } } });
    assert.equal(issue.severity, 'warning');
    assert.deepEqual(issuesOf({ simulation: { mlflow: { enabled: true, tracking_uri: 'http://127.0.0.1:5000' } } }), []);
  });

  it('unknown lint rule ids are warnings, with the closest id', () => {
    const issue = only({ lint: { rules: { 'flops/conda-owned-pipe': 'off' } } }, { knownRules: new Set(['flops/conda-owned-pip']) });
    assert.deepEqual(issue.path, ['lint', 'rules', 'flops/conda-owned-pipe']);
    assert.equal(issue.message, 'Unknown rule id "flops/conda-owned-pipe". Did you mean "flops/conda-owned-pip"?');
  });
});

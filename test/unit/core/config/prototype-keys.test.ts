import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateDocument } from '../../../../extension/core/lint/validate-document';
import { repoRoot } from '../../repo-paths';

/**
 * Keys named like Object.prototype's members (`constructor`, `__proto__`, `toString`, …) are ordinary
 * unknown keys at every level of both documents: a warning at the key, no crash, and no check switched
 * off (issue 15.1).
 */

const prototypeNames = Object.getOwnPropertyNames(Object.prototype);

/** A project file that has every object of the schema, so every level gets a key. */
const richProject = {
  ml_repo_url: 'https://github.com/example-org/mnist',
  ml_model_flavor: 'sklearn',
  training_configuration: { data_tags: ['mnist'], training_rounds: 3, min_available_clients: 2, min_fit_clients: 2, min_evaluate_clients: 2 },
  resource_constraints: { memory: 100, vcpus: 1, storage: 0 },
  flower: { strategy: { name: 'FedAvg' }, round_config: { local_epochs: 1 } },
  simulation: {
    learners: 2,
    dataset: { partitioning: { method: 'dirichlet', alpha: 0.5 } },
    learner_resources: { cpus: 1, memory_mb: 1024 },
    learner_profiles: [{ count: 2, preset: 'laptop' }],
    mlflow: { enabled: false },
  },
  image: { base_image: 'python:3.10-slim' },
  oakestra: { clusters: [] },
  lint: { rules: { 'flops/repo-url': 'warning' } },
};

/** Paths of every object in a JSON value. */
function objectPaths(value: unknown, at: PropertyKey[] = []): PropertyKey[][] {
  if (Array.isArray(value)) return value.flatMap((item, i) => objectPaths(item, [...at, i]));
  if (typeof value !== 'object' || value === null) return [];
  return [at, ...Object.entries(value).flatMap(([key, inner]) => objectPaths(inner, [...at, key]))];
}

/** `value` with `key: inserted` added (as an own property, as JSON.parse makes it) to the object at `path`. */
function withKey(value: unknown, path: readonly PropertyKey[], key: string, inserted: unknown): string {
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  let node = copy as Record<PropertyKey, unknown>;
  for (const step of path) node = node[step] as Record<PropertyKey, unknown>;
  Object.defineProperty(node, key, { value: inserted, enumerable: true, writable: true, configurable: true });
  // JSON.stringify writes own enumerable keys, `__proto__` included.
  return JSON.stringify(copy);
}

function findingsOf(text: string, file: string) {
  return validateDocument(text, { file }).findings.map((f) => ({ severity: f.severity, message: f.message }));
}

describe('prototype-named keys in flops.json and SLAs', () => {
  it('covers every object level of a rich project file and a rich SLA', () => {
    assert.ok(objectPaths(richProject).length >= 14, `only ${objectPaths(richProject).length} levels`);
    assert.equal(findingsOf(JSON.stringify(richProject), 'flops.json').length, 0, JSON.stringify(findingsOf(JSON.stringify(richProject), 'flops.json')));
  });

  it('are unknown keys at every level of the project file, and the project checks still run', () => {
    const broken = { ...richProject, training_configuration: { ...richProject.training_configuration, training_rounds: -1 } };
    for (const at of objectPaths(richProject)) {
      for (const name of prototypeNames) {
        const inRules = at.join('.') === 'lint.rules';
        const text = withKey(broken, at, name, inRules ? 'off' : 1);
        const findings = findingsOf(text, 'flops.json');
        const where = `${name} at ${at.join('.') || '(root)'}`;
        const expected = inRules ? new RegExp(`^Unknown rule id "${name.replace(/[$_]/g, '\\$&')}"`) : new RegExp(`^Unknown key "${name.replace(/[$_]/g, '\\$&')}"`);
        assert.ok(findings.some((f) => f.severity === 'warning' && expected.test(f.message)), `${where}: no unknown-key warning in ${JSON.stringify(findings)}`);
        assert.ok(findings.some((f) => f.severity === 'error' && f.message === 'training_rounds must be at least 1 (it is -1).'), `${where} switched the project checks off: ${JSON.stringify(findings)}`);
      }
    }
  });

  it('are unknown keys at every level of an SLA', () => {
    const sla = JSON.parse(readFileSync(path.join(repoRoot, 'test/fixtures/sla/minimal.sla.json'), 'utf8')) as { applications: { microservices: Record<string, unknown>[] }[] };
    const service = sla.applications[0]?.microservices[0];
    assert.ok(service !== undefined);
    service['addresses'] = { rr_ip: '10.30.0.10' };
    service['constraints'] = [{ type: 'direct', cluster: 'cluster1' }];
    const baseline = findingsOf(JSON.stringify(sla), 'app.sla.json');
    assert.ok(objectPaths(sla).length >= 5);
    for (const at of objectPaths(sla)) {
      for (const name of prototypeNames) {
        const findings = findingsOf(withKey(sla, at, name, 1), 'app.sla.json');
        const added = findings.filter((f) => !baseline.some((b) => b.message === f.message));
        assert.equal(added.length, 1, `${name} at ${at.join('.') || '(root)'}: ${JSON.stringify(added)}`);
        assert.match(added[0]?.message ?? '', new RegExp(`^Unknown key "${name.replace(/[$_]/g, '\\$&')}"`));
      }
    }
  });

  it('as a lint.rules id gets the unknown-rule warning, whatever its name', () => {
    for (const id of ['__proto__', 'constructor', 'flops/mlflow-imprt']) {
      const findings = findingsOf(`{"lint": {"rules": {${JSON.stringify(id)}: "off"}}}`, 'flops.json');
      assert.equal(findings.length, 1, `${id}: ${JSON.stringify(findings)}`);
      assert.match(findings[0]?.message ?? '', new RegExp(`^Unknown rule id "${id.replace(/[$_/]/g, '\\$&')}"`));
    }
    assert.match(findingsOf('{"lint": {"rules": {"flops/mlflow-imprt": "off"}}}', 'flops.json')[0]?.message ?? '', /Did you mean "flops\/mlflow-import"\?/);
  });
});

import assert from 'node:assert/strict';
import { projectFileSchema } from '../../../../extension/core/config/project-file';
import { composeMlflowPort, renderCompose } from '../../../../extension/core/generate/deployment';
import { controlApiPort, labelKeys, planSimulation } from '../../../../extension/core/simulate/plan';

function plan(project: unknown, hostPorts = { control: 41001, mlflow: 41002 }) {
  return planSimulation({
    input: { config: projectFileSchema.parse(project), repoName: 'mnist-sklearn' },
    runId: 'mnist-sklearn-abc',
    repoKey: 'k',
    repoPath: '/work/mnist-sklearn',
    owner: '1@h',
    imageTag: 'flops-mnist-sklearn:0123',
    hostPorts,
  });
}

describe('simulation plan: host ports', () => {
  it('publishes the aggregator\'s Control API on the port picked for the run, never a fixed one', () => {
    const a = plan({}, { control: 41001, mlflow: 41002 });
    const b = plan({}, { control: 42001, mlflow: 42002 });
    const aggregator = (p: typeof a) => p.members.find((m) => m.role === 'aggregator');
    assert.deepEqual(aggregator(a)?.spec.ports, [{ container: controlApiPort, host: 41001 }]);
    assert.deepEqual(aggregator(b)?.spec.ports, [{ container: controlApiPort, host: 42001 }]);
    assert.equal(aggregator(a)?.spec.labels[labelKeys.endpoint], '127.0.0.1:41001');
    assert.deepEqual(a.endpoints, { control: '127.0.0.1:41001' });
    // Only the aggregator publishes anything when MLflow is off.
    assert.deepEqual(a.members.filter((m) => (m.spec.ports ?? []).length > 0).map((m) => m.service), ['aggregator']);
  });

  it('gives MLflow the picked port unless flops.json sets one; compose.yaml keeps its documented 5000', () => {
    const picked = plan({ simulation: { mlflow: { enabled: true } } });
    assert.deepEqual(picked.members.find((m) => m.role === 'mlflow')?.spec.ports, [{ container: 5000, host: 41002 }]);
    assert.deepEqual(picked.endpoints, { control: '127.0.0.1:41001', mlflow: 'http://127.0.0.1:41002' });
    const fixed = plan({ simulation: { mlflow: { enabled: true, port: 5123 } } });
    assert.deepEqual(fixed.members.find((m) => m.role === 'mlflow')?.spec.ports, [{ container: 5000, host: 5123 }]);
    assert.equal(fixed.endpoints.mlflow, 'http://127.0.0.1:5123');
    // An external tracking server: nothing started, nothing published for it.
    const external = plan({ simulation: { mlflow: { enabled: true, tracking_uri: 'http://10.0.0.5:5000' } } });
    assert.equal(external.members.some((m) => m.role === 'mlflow'), false);
    assert.equal(external.endpoints.mlflow, undefined);
    assert.equal(composeMlflowPort, 5000);
    const compose = renderCompose({ config: projectFileSchema.parse({ simulation: { mlflow: { enabled: true } } }), flavor: 'sklearn', repoName: 'mnist-sklearn', dependencies: { source: 'requirements.txt', requirements: [], skipped: [] } });
    assert.match(compose, /127\.0\.0\.1:5000:5000/);
    assert.match(compose, /127\.0\.0\.1:9093:9093/);
  });
});

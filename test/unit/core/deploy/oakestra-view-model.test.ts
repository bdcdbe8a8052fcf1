import assert from 'node:assert/strict';
import type { DeploymentRecord } from '../../../../extension/core/deploy/deployment-record';
import type { OakestraApi, OakestraService } from '../../../../extension/core/deploy/oakestra-api';
import { mergeLogWindow, OakestraMonitor } from '../../../../extension/core/deploy/oakestra-monitor';
import { describeStatus, runningSummary } from '../../../../extension/core/deploy/oakestra-status';
import { buildOakestraTree, type OakNode, type TargetState } from '../../../../extension/core/deploy/oakestra-tree';
import { FakeClock } from '../../fakes/fake-clock';

/** The Oakestra view as data (oakestra-tree.ts), its statuses in plain words, and the polling monitor. */

function record(services: { name: string; id: string; role: 'aggregator' | 'learner' | 'starter' }[]): DeploymentRecord {
  return {
    v: 1,
    mode: 'generated',
    deploymentId: 'd1',
    target: { name: 'lab', url: 'http://10.0.0.1:10000', username: 'alice' },
    state: 'deployed',
    createdAt: 1,
    updatedAt: 2,
    application: { name: 'mnist', namespace: 'flops', id: 'app1' },
    image: { local: 'flops-mnist:abc', remote: 'reg:5000/flops-mnist:abc', pushed: true, digest: 'sha256:00' },
    services: services.map((s) => ({ ...s, fingerprint: 'f', instancesRequested: 1 })),
    config: { rounds: 3, strategy: 'FedAvg', learners: 2, environment: [], settings: {} },
  };
}

const service = (id: string, name: string, statuses: string[], extra: Partial<OakestraService> = {}): OakestraService => ({
  id,
  applicationId: 'app1',
  name,
  namespace: 'flops',
  status: statuses.length > 0 && statuses.every((s) => s === 'RUNNING') ? 'RUNNING' : (statuses[0] ?? 'REQUESTED'),
  detail: '',
  image: 'reg:5000/flops-mnist:abc',
  instances: statuses.map((status, number) => ({ number, status, detail: status === 'FAILED' ? 'exit code 1' : '', clusterId: 'c1c1c1c1c1', publicIp: '10.0.0.9', logs: `log of ${name}\n`, cpuPercent: 2 })),
  ...extra,
});

function find(nodes: readonly OakNode[], label: RegExp): OakNode | undefined {
  for (const node of nodes) {
    if (label.test(node.label)) return node;
    const inner = find(node.children, label);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

describe('deploy: Oakestra statuses in plain words', () => {
  it('explains every documented state and shows unknown ones raw', () => {
    assert.equal(describeStatus('NODE_SCHEDULED').phase, 'pending');
    assert.match(describeStatus('NODE_SCHEDULED').meaning, /pulling the image may take minutes/);
    assert.equal(describeStatus('NoActiveClusterWithCapacity').phase, 'error');
    assert.equal(describeStatus('COMPLETED').phase, 'done');
    assert.equal(describeStatus('DEAD').phase, 'restarting');
    assert.deepEqual(describeStatus('1'), { phase: 'unknown', meaning: 'status "1" (not a documented Oakestra state)', icon: 'question' });
    assert.equal(runningSummary(service('s', 'x', ['RUNNING', 'CREATING', 'COMPLETED']).instances), '1/3 running, 1 completed');
  });
});

describe('deploy: the Oakestra view model', () => {
  const now = 1_000_000;
  const base: TargetState = { name: 'lab', url: 'http://10.0.0.1:10000', username: 'alice', locked: false, deployments: [], clusters: [{ id: 'c1', name: 'cluster1', active: true, activeNodes: 2, vcpus: 8, memoryMb: 4096, virtualization: ['docker'], addons: [] }], updatedAt: now - 2000 };

  it('shows targets → deployments → services → instances with k/n running, worker and cluster, and clusters with free resources', () => {
    const rec = record([{ name: 'aggr', id: 's1', role: 'aggregator' }, { name: 'learner1', id: 's2', role: 'learner' }]);
    const [target] = buildOakestraTree([{ ...base, deployments: [{ repo: '/w/mnist', record: rec, services: [service('s1', 'aggr', ['RUNNING']), service('s2', 'learner1', ['FAILED']), service('s9', 'foreign', ['RUNNING'])] }] }], now);
    assert.ok(target !== undefined);
    assert.equal(target.contextValue, 'flops.oak.target');
    assert.match(target.description ?? '', /http:\/\/10\.0\.0\.1:10000 · alice · updated 2 s ago/);
    assert.match(target.tooltip ?? '', /Plain HTTP/);
    const deployment = find([target], /mnist → mnist/);
    assert.equal(deployment?.description, '1/2 running');
    assert.equal(deployment?.children.length, 2, 'only the services this deployment created');
    const learner = find([target], /^learner1$/);
    assert.equal(learner?.contextValue, 'flops.oak.service.learner');
    const failed = learner?.children[0];
    assert.equal(failed?.label, '#0 FAILED');
    assert.equal(failed?.description, 'exit code 1 · 10.0.0.9 · cluster c1c1c1c1');
    assert.match(failed?.tooltip ?? '', /failed \(non-zero exit or lost heartbeat\).*\ndetail: exit code 1[\s\S]*log \(last 1 KiB/);
    assert.deepEqual(failed?.ref, { target: 'lab', repo: '/w/mnist', serviceId: 's2', instance: 0 });
    assert.equal(failed?.icon?.color, 'testing.iconFailed');
    const cluster = find([target], /^cluster1$/);
    assert.equal(cluster?.description, '4096 MB free · 8 CPU');
  });

  it('marks stale data, locked targets, paused polling and applications gone from Oakestra', () => {
    const rec = record([{ name: 'aggr', id: 's1', role: 'aggregator' }]);
    const [stale] = buildOakestraTree([{ ...base, error: 'Oakestra at http://10.0.0.1:10000 is unreachable (ECONNREFUSED).', deployments: [{ repo: '/w/mnist', record: rec, services: [service('s1', 'aggr', ['RUNNING'])] }] }], now + 60_000);
    assert.match(stale?.description ?? '', /stale, updated 1 min ago/);
    assert.match(find([stale as OakNode], /unreachable/)?.tooltip ?? '', /The data below is from 1 min ago/);
    assert.match(find([stale as OakNode], /mnist → mnist/)?.description ?? '', /stale/);
    const [locked] = buildOakestraTree([{ ...base, locked: true, clusters: undefined as never }], now);
    assert.equal(locked?.contextValue, 'flops.oak.target.locked');
    assert.equal(locked?.children[0]?.label, 'Set the password to connect');
    const [paused] = buildOakestraTree([{ ...base, paused: true }], now);
    assert.match(paused?.description ?? '', /paused while hidden/);
    const [gone] = buildOakestraTree([{ ...base, deployments: [{ repo: '/w/mnist', record: rec, services: [], gone: true }] }], now);
    assert.equal(find([gone as OakNode], /mnist → mnist/)?.children[0]?.label, 'The application no longer exists on Oakestra');
  });

  it('merges successive 1 KiB log windows without repeating lines, and marks a gap', () => {
    assert.equal(mergeLogWindow('', 'a\nb\n'), 'a\nb\n');
    assert.equal(mergeLogWindow('a\nb\n', 'b\nc\n'), 'a\nb\nc\n');
    assert.equal(mergeLogWindow('a\nb\nc\n', 'b\nc\n'), 'a\nb\nc\n');
    assert.match(mergeLogWindow('a\n', 'x\ny\n'), /a\n\n\[… lines between two polls may be missing …\]\nx\ny\n/);
  });
});

describe('deploy: the Oakestra monitor', () => {
  function fakeApi(fail: { now: boolean }, calls: string[]): OakestraApi {
    const fn = (name: string): Promise<never> => {
      calls.push(name);
      return Promise.reject(new Error('unused'));
    };
    return {
      url: 'http://10.0.0.1:10000',
      requestCount: 0,
      clusters: () => {
        calls.push('clusters');
        if (fail.now) return Promise.reject(new Error('Oakestra at http://10.0.0.1:10000 is unreachable (ECONNREFUSED).'));
        return Promise.resolve([]);
      },
      services: (id) => {
        calls.push(`services ${id}`);
        return Promise.resolve([service('s1', 'aggr', ['RUNNING'])]);
      },
      applications: () => fn('applications'),
      createApplication: () => fn('createApplication'),
      deleteApplication: () => fn('deleteApplication'),
      addServices: () => fn('addServices'),
      deleteService: () => fn('deleteService'),
      requestInstance: () => fn('requestInstance'),
      removeInstance: () => fn('removeInstance'),
      accessToken: () => fn('accessToken'),
    };
  }

  const flush = () => new Promise((resolve) => setImmediate(resolve));

  it('polls only while visible, backs off while a target fails, keeps the stale data, and locks targets without a password', async () => {
    const clock = new FakeClock();
    const calls: string[] = [];
    const fail = { now: false };
    const api = fakeApi(fail, calls);
    const rec = record([{ name: 'aggr', id: 's1', role: 'aggregator' }]);
    const monitor = new OakestraMonitor({
      targets: () => [{ name: 'lab', url: 'http://10.0.0.1:10000', username: 'alice' }, { name: 'nopw', url: 'http://10.0.0.2:10000', username: 'bob' }],
      repos: () => ['/w/mnist'],
      records: { list: () => Promise.resolve([{ target: 'lab', read: { kind: 'record' as const, record: rec } }]) },
      client: (t) => Promise.resolve(t.name === 'lab' ? api : undefined),
      clock,
      intervalMs: 5000,
    });
    monitor.setVisible(true);
    await flush();
    await flush();
    assert.deepEqual(calls, ['clusters', 'services app1']);
    assert.equal(monitor.state().find((s) => s.name === 'nopw')?.locked, true);
    assert.equal(monitor.state().find((s) => s.name === 'lab')?.deployments[0]?.services?.length, 1);
    assert.equal(monitor.log('lab', 's1', 0), 'log of aggr\n');

    fail.now = true;
    clock.advance(5000);
    await flush();
    await flush();
    const failed = monitor.state().find((s) => s.name === 'lab');
    assert.match(failed?.error ?? '', /unreachable/);
    assert.equal(failed?.deployments[0]?.services?.length, 1, 'the last data stays, marked stale');
    calls.length = 0;
    clock.advance(5000);
    await flush();
    assert.deepEqual(calls, [], 'backed off: the next poll is 10 s later, not 5');
    clock.advance(5000);
    await flush();
    await flush();
    assert.deepEqual(calls, ['clusters']);

    monitor.setVisible(false);
    assert.equal(monitor.state().find((s) => s.name === 'lab')?.paused, true);
    calls.length = 0;
    clock.advance(120_000);
    await flush();
    assert.deepEqual(calls, [], 'nothing is polled while hidden');
    monitor.dispose();
  });
});

import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { OakestraDeployer } from '../../extension/core/deploy/deployer';
import type { OakestraApi } from '../../extension/core/deploy/oakestra-api';
import { buildOakestraTree, type TargetState } from '../../extension/core/deploy/oakestra-tree';
import { deployPorts } from '../../extension/io/deployment-store';
import { OakestraClient } from '../../extension/io/oakestra-client';
import { PythonPool } from '../../extension/io/python-pool';
import { FakeOakestraProcess } from '../unit/fakes/fake-oakestra-process';
import { median } from './median';

/**
 * Oakestra figures (issue #12), against the fake Oakestra in its own process: the client's overhead per
 * deploy (requests made, and time outside the fake's scripted status delays, beside the same number of
 * bare HTTP round trips to the same server), and the Oakestra view's refresh with 50 services × 10
 * instances (one poll of the services through the client, beside a bare GET + JSON.parse of the same
 * answer; and building the tree, beside JSON.stringify of the same state).
 */

/** The client with every call timed. */
function timed(api: OakestraApi, spent: { ms: number }): OakestraApi {
  return new Proxy(api, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const t = performance.now();
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          spent.ms += performance.now() - t;
        }
      };
    },
  });
}

async function bareRoundTripMs(url: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    const response = await request(`${url}/api/clusters/active`);
    JSON.parse(await response.body.text());
    times.push(performance.now() - t);
  }
  return median(times);
}

export async function deployFigures(say: (line: string) => void, scratch: string, root: string): Promise<void> {
  say('# Oakestra benchmark: the fake Oakestra in its own process on 127.0.0.1');
  const fake = await FakeOakestraProcess.start({ stepMs: 100 });
  const pool = new PythonPool({ wasmDir: path.join(root, 'dist') });
  try {
    const roundTrip = await bareRoundTripMs(fake.url);
    const deployMs: number[] = [];
    const clientMs: number[] = [];
    const requests: number[] = [];
    for (let i = 0; i < 3; i++) {
      await fake.reset({ stepMs: 100 });
      const repo = path.join(scratch, `deploy-${i}`, 'mnist-sklearn');
      cpSync(path.join(root, 'examples/mnist-sklearn'), repo, { recursive: true, filter: (source) => !source.includes(`${path.sep}.flops`) });
      const project = JSON.parse(readFileSync(path.join(repo, 'flops.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(path.join(repo, 'flops.json'), JSON.stringify({ ...project, image: { registry: '127.0.0.1:5999/flops' } }));
      const spent = { ms: 0 };
      let client: OakestraApi | undefined;
      const deployer = new OakestraDeployer(deployPorts(pool, (target) => (client ??= timed(new OakestraClient({ target, password: 'Admin' }), spent))));
      const t = performance.now();
      const result = await deployer.deploy(repo, { target: { name: 'bench', url: fake.url, username: 'Admin' }, push: false, detach: true, pollMs: 20 });
      deployMs.push(performance.now() - t);
      if (result.kind !== 'done') throw new Error(`the bench deploy did not deploy: ${JSON.stringify(result)}`);
      clientMs.push(spent.ms);
      requests.push(result.requests);
    }
    const n = median(requests);
    const c = median(clientMs);
    say(`deploy of the example (4 services, detached, --no-push): ${n} requests to Oakestra, ${c.toFixed(0)} ms inside the client = ${(c / (n * roundTrip)).toFixed(2)}x ${n} bare round trips (${roundTrip.toFixed(2)} ms each); whole deploy ${median(deployMs).toFixed(0)} ms, of which the fake's scripted timeline is 4 steps × 100 ms and the rest generation, hashing and polling`);

    // 50 services × 10 instances, all running.
    await fake.reset({ stepMs: 1, timeline: [{ status: 'RUNNING', log: 'x'.repeat(900) }] });
    const oak = new OakestraClient({ target: { url: fake.url, username: 'Admin' }, password: 'Admin' });
    const services = Array.from({ length: 50 }, (_, i) => ({ microserviceID: '', microservice_name: `learner${i + 1}`, microservice_namespace: 'flops', virtualization: 'container', code: 'r/x:1', memory: 100, vcpus: 1 }));
    const [app] = await oak.createApplication({ sla_version: 'v2.0', customerID: 'Admin', applications: [{ applicationID: '', application_name: 'bench', application_namespace: 'flops', application_desc: '', microservices: services }] });
    if (app === undefined) throw new Error('no bench application');
    for (const s of await oak.services(app.id)) for (let k = 0; k < 10; k++) await oak.requestInstance(s.id);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const token = await oak.accessToken();
    const bare: number[] = [];
    const polled: number[] = [];
    let live = await oak.services(app.id);
    for (let i = 0; i < 20; i++) {
      let t = performance.now();
      const response = await request(`${fake.url}/api/services/${app.id}`, { headers: { authorization: `Bearer ${token}` } });
      JSON.parse(JSON.parse(await response.body.text()) as string);
      bare.push(performance.now() - t);
      t = performance.now();
      live = await oak.services(app.id);
      polled.push(performance.now() - t);
    }
    const instances = live.reduce((sum, s) => sum + s.instances.length, 0);
    const state: TargetState = {
      name: 'bench',
      url: fake.url,
      username: 'Admin',
      locked: false,
      updatedAt: Date.now(),
      deployments: [
        {
          repo: '/bench',
          record: { v: 1, mode: 'generated', deploymentId: 'b', target: { name: 'bench', url: fake.url, username: 'Admin' }, state: 'deployed', createdAt: 0, updatedAt: 0, application: { name: 'bench', namespace: 'flops', id: app.id }, image: { local: 'x', remote: 'r/x', pushed: false }, services: live.map((s) => ({ name: s.name, role: 'learner' as const, id: s.id, fingerprint: '', instancesRequested: 10 })), config: { rounds: 1, strategy: 'FedAvg', learners: 50, environment: [], settings: {} } },
          services: live,
        },
      ],
    };
    const build: number[] = [];
    const stringify: number[] = [];
    for (let i = 0; i < 50; i++) {
      let t = performance.now();
      buildOakestraTree([state], Date.now());
      build.push(performance.now() - t);
      t = performance.now();
      JSON.stringify(state);
      stringify.push(performance.now() - t);
    }
    const p = median(polled);
    const b = median(bare);
    say(`view refresh, ${live.length} services × ${instances / live.length} instances: one poll through the client ${p.toFixed(1)} ms = ${(p / b).toFixed(2)}x a bare GET + JSON.parse of the same answer (${b.toFixed(1)} ms)`);
    const tb = median(build);
    const ts = median(stringify);
    say(`view refresh: building the tree (${live.length + instances + 3} nodes) ${tb.toFixed(2)} ms = ${(tb / ts).toFixed(2)}x JSON.stringify of the same state (${ts.toFixed(2)} ms)`);
  } finally {
    pool.dispose();
    await fake.stop();
  }
}

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dockerodeOptions, resolveDockerEndpoint } from '../../../../extension/io/docker/host';

describe('io: which Docker engine (as the docker CLI decides)', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'flops-docker-home-'));
  after(() => rmSync(home, { recursive: true, force: true }));

  function context(name: string, host: string): void {
    const dir = path.join(home, '.docker', 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ Name: name, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
  }

  it('prefers the setting, then DOCKER_HOST, then the current context, then the default socket', () => {
    assert.deepEqual(resolveDockerEndpoint(' unix:///tmp/d.sock ', { DOCKER_HOST: 'tcp://x:2375' }, home), { host: 'unix:///tmp/d.sock', source: 'the flops.simulation.dockerHost setting' });
    assert.deepEqual(resolveDockerEndpoint(undefined, { DOCKER_HOST: 'tcp://x:2375' }, home), { host: 'tcp://x:2375', source: 'DOCKER_HOST' });
    assert.equal(resolveDockerEndpoint('', {}, home).source, 'the default socket');
    context('desktop-linux', `unix://${home}/.docker/desktop/docker.sock`);
    writeFileSync(path.join(home, '.docker', 'config.json'), JSON.stringify({ currentContext: 'desktop-linux' }));
    assert.deepEqual(resolveDockerEndpoint(undefined, {}, home), { host: `unix://${home}/.docker/desktop/docker.sock`, source: 'docker context desktop-linux' });
    context('remote', 'tcp://10.0.0.5:2376');
    assert.deepEqual(resolveDockerEndpoint(undefined, { DOCKER_CONTEXT: 'remote' }, home), { host: 'tcp://10.0.0.5:2376', source: 'docker context remote' });
    // A context whose metadata is missing falls back to the default rather than failing.
    assert.equal(resolveDockerEndpoint(undefined, { DOCKER_CONTEXT: 'gone' }, home).source, 'the default socket');
  });

  it('turns hosts into dockerode options and rejects unknown schemes', () => {
    assert.deepEqual(dockerodeOptions({ host: 'unix:///var/run/docker.sock', source: 's' }), { socketPath: '/var/run/docker.sock' });
    assert.deepEqual(dockerodeOptions({ host: 'tcp://10.0.0.5:2375', source: 's' }), { protocol: 'http', host: '10.0.0.5', port: 2375 });
    assert.deepEqual(dockerodeOptions({ host: 'ssh://me@edge-box', source: 's' }), { protocol: 'ssh', host: 'edge-box', username: 'me' });
    assert.throws(() => dockerodeOptions({ host: 'ftp://x', source: 'DOCKER_HOST' }), /Unsupported Docker host "ftp:\/\/x" \(from DOCKER_HOST\)/);
  });
});

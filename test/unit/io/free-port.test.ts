import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { freeLocalPorts } from '../../../extension/io/free-port';

describe('freeLocalPorts', () => {
  it('returns distinct ports that can be bound on 127.0.0.1 at once', async () => {
    const ports = await freeLocalPorts(3);
    assert.equal(new Set(ports).size, 3);
    const servers = ports.map(() => createServer());
    try {
      await Promise.all(servers.map((s, i) => new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(ports[i], '127.0.0.1', () => resolve());
      })));
    } finally {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
    }
  });
});

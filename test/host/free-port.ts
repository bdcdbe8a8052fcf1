import { createServer } from 'node:net';

/** A port that was free a moment ago: bind port 0 on 127.0.0.1 and read what the kernel assigned. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the assigned port'));
      });
    });
  });
}

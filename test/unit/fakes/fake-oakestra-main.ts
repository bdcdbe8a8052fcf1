import { FakeOakestra } from './fake-oakestra';

/**
 * The fake Oakestra as its own process (what the tests start and stop): listens on 127.0.0.1 (free
 * ports unless FAKE_OAKESTRA_PORT / FAKE_FLOPS_PORT are set), prints one JSON line with both URLs,
 * and serves until SIGTERM or SIGINT.
 */
async function main(): Promise<void> {
  const fake = new FakeOakestra();
  const port = (name: string): number => Number(process.env[name] ?? 0);
  await fake.start({ oakestra: port('FAKE_OAKESTRA_PORT'), flops: port('FAKE_FLOPS_PORT') });
  process.stdout.write(`${JSON.stringify(fake.urls)}\n`);
  const stop = (): void => {
    void fake.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();

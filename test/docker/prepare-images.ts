import { ensureBaseImage } from './base-image';
import { dockerAnswers } from './docker-cli';
import { ensureFakeFlowerImage } from './fake-flower-image';

/**
 * `npm run test:images`: builds (or finds) the local test images before the suites that use them, so
 * their one-time cost on a cold machine (debootstrap, about 2 minutes) is paid once and outside the
 * extension-host run's time limit. Without an engine it only says so: the suites report the skip (or,
 * under FLOPS_TEST_STRICT=1, fail).
 */
function main(): number {
  if (!dockerAnswers()) {
    console.log('SKIP test images: no Docker engine answers (install docker.io and start dockerd)');
    return 0;
  }
  const started = Date.now();
  const log = (line: string): void => console.log(`[images] ${line}`);
  const base = ensureBaseImage(log);
  const fake = ensureFakeFlowerImage(log);
  log(`${base} and ${fake} ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

process.exitCode = main();

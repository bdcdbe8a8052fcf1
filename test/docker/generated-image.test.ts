import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { distDir, fixturesDir } from '../unit/repo-paths';
import { ensureBaseImage, pinToBaseImage } from './base-image';
import { requireDockerEngine, run } from './docker-cli';

/**
 * Builds the generated Dockerfile with the real engine and the classic builder, from a local base image
 * that already holds numpy and scikit-learn (Debian's), in air-gapped mode (`PIP_ARGS=--no-index`, no
 * wheels). Flower cannot be installed here, so the build must get exactly as far as the dependency
 * install and fail there on flwr (or datasets) only: everything the base satisfies is not fetched.
 */
describe('generated image: docker build up to the dependency install', function () {
  this.timeout(900_000);
  const scratch = mkdtempSync(path.join(tmpdir(), 'flops-docker-'));
  const tag = `flops-test/generated:${process.pid}`;
  let base = '';

  before(function () {
    requireDockerEngine(this);
    base = ensureBaseImage((line) => console.log(`    ${line}`));
  });

  after(() => {
    run('docker', ['image', 'rm', '-f', tag], { timeoutMs: 60_000 });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('builds every layer before the dependency install, installs only what the base lacks, and fails clearly on flwr', () => {
    const repo = path.join(scratch, 'repo');
    cpSync(path.join(fixturesDir, 'ready-sklearn'), repo, { recursive: true });
    // Pins the Debian base satisfies, so only Flower's packages are missing.
    pinToBaseImage(repo);
    const generated = run(process.execPath, [path.join(distDir, 'cli.js'), 'generate', repo]);
    assert.equal(generated.status, 0, generated.stderr);

    // --force-rm: a failed classic build must not leave its intermediate container behind.
    const build = run('docker', ['build', '--force-rm', '--build-arg', `BASE_IMAGE=${base}`, '--build-arg', 'PIP_ARGS=--no-index', '-f', '.flops/Dockerfile', '-t', tag, '.'], { cwd: repo });
    const output = `${build.stdout}\n${build.stderr}`;
    assert.notEqual(build.status, 0, 'the build cannot succeed without Flower');
    assert.match(output, /Step \d+\/\d+ : RUN python3 -m pip install/, 'the build reached the dependency install');
    assert.match(output, /No matching distribution found for (flwr|datasets)/, `pip failed on a Flower package:\n${output.slice(-3000)}`);
    assert.match(output, /Requirement already satisfied: numpy/, 'numpy comes from the base image');
    assert.match(output, /Requirement already satisfied: scikit-learn/, 'scikit-learn comes from the base image');
    assert.doesNotMatch(output, /No matching distribution found for (numpy|scikit-learn)/);
    assert.doesNotMatch(output, /externally-managed-environment/, 'pip may install into a Debian base');
  });
});

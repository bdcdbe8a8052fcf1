import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoKey } from '../../extension/io/simulation-ports';
import { ensureBaseImage } from '../docker/base-image';
import { dockerAnswers, run } from '../docker/docker-cli';
import { copyExampleForFakeFlower, ensureFakeFlowerImage } from '../docker/fake-flower-image';
import { skipWithReason } from '../unit/skip-with-reason';

/**
 * What the extension-host tests that run a real simulation share: the Docker check, a copy of the
 * bundled example built FROM the fake-Flower test image with rounds slowed down, and the removal of
 * what its runs left on the engine.
 */

/** In a before hook: skips without an engine, fails instead under FLOPS_TEST_STRICT=1 (CI). */
export function requireDocker(context: Mocha.Context): void {
  if (dockerAnswers()) return;
  assert.notEqual(process.env['FLOPS_TEST_STRICT'], '1', 'no Docker engine answers, but .ci/run installs and starts one');
  skipWithReason(context, 'no Docker engine answers (install docker.io and start dockerd)');
}

/** The example at `repo` for the fake-Flower image, `project` merged into flops.json, each fit `fitSeconds` longer. */
export function slowExampleRepo(repo: string, project: Record<string, unknown>, fitSeconds: number): void {
  ensureBaseImage((line) => console.log(`    ${line}`));
  const fake = ensureFakeFlowerImage((line) => console.log(`    ${line}`));
  copyExampleForFakeFlower(repo, fake, project);
  // Slow rounds, so the run is still going when the test looks at it.
  const manager = readFileSync(path.join(repo, 'model_manager.py'), 'utf8');
  writeFileSync(path.join(repo, 'model_manager.py'), manager.replace('    def fit_model(self) -> int:\n', `    def fit_model(self) -> int:\n        import time\n        time.sleep(${fitSeconds})\n`));
}

/** Removes the containers of the repository's runs and the images built for it (`flops-<folder>`). */
export async function removeRepoLeftovers(repo: string): Promise<void> {
  if (!dockerAnswers()) return;
  const key = await repoKey(repo);
  const ids = run('docker', ['ps', '-aq', '--filter', `label=flops.repo=${key}`]).stdout.split('\n').filter(Boolean);
  if (ids.length > 0) run('docker', ['rm', '-f', ...ids]);
  const tags = run('docker', ['image', 'ls', '--filter', `reference=flops-${path.basename(repo)}`, '--format', '{{.Repository}}:{{.Tag}}']).stdout.split('\n').filter(Boolean);
  if (tags.length > 0) run('docker', ['image', 'rm', '-f', ...tags]);
}

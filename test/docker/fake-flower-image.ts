import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultFlowerVersion } from '../../extension/core/config/project-file';
import { repoRoot } from '../unit/repo-paths';
import { ensureBaseImage, pinToBaseImage } from './base-image';
import { datasetsWheelNames, ensureDatasetsWheels } from './datasets-wheels';
import { run } from './docker-cli';

/**
 * The FAKE Flower test image (test/docker/fake-flower/README.md): the local Debian base plus a fake
 * `flower-superlink`, `flower-supernode` and `flwr`, pip metadata for `flwr`, and the real HuggingFace
 * `datasets` (datasets-wheels.ts), so that a generated image built FROM it installs offline and its
 * simulation runs for real (testing.md §7.4). The tag is a hash of the recipe (base tag, flwr version,
 * every file of the fake, the `datasets` wheel names), so a change builds a new image and a stale one is
 * never reused (§7.5).
 */

const testDir = path.join(repoRoot, 'test');
const recipeDirs = ['test/docker/fake-flower'];
const repository = 'flops-test/fake-flower';

/** Files of a folder, recursively, as repo-relative `/` paths in a stable order (no bytecode caches). */
function recipeFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(path.join(repoRoot, dir)).sort()) {
    if (name === '__pycache__' || name.endsWith('.pyc')) continue;
    const relative = `${dir}/${name}`;
    if (statSync(path.join(repoRoot, relative)).isDirectory()) found.push(...recipeFiles(relative));
    else found.push(relative);
  }
  return found;
}

export function fakeFlowerTag(base: string): string {
  const hash = createHash('sha256').update(`base ${base}\nflwr ${defaultFlowerVersion}\nwheels ${datasetsWheelNames().join(' ')}\n`);
  for (const file of recipeDirs.flatMap(recipeFiles)) hash.update(`${file}\n`).update(readFileSync(path.join(repoRoot, file))).update('\n');
  return `${repository}:${hash.digest('hex').slice(0, 12)}`;
}

/** The fake-flower image's tag: reused when the engine has it, else built (a few seconds on a warm base). */
export function ensureFakeFlowerImage(log: (line: string) => void): string {
  const base = ensureBaseImage(log);
  const wheels = ensureDatasetsWheels(log);
  const tag = fakeFlowerTag(base);
  if (run('docker', ['image', 'inspect', tag], { timeoutMs: 30_000 }).status === 0) return tag;
  log(`building ${tag} (FAKE Flower runtime) from ${base}…`);
  const args = ['build', '--force-rm', '-f', 'docker/fake-flower/Dockerfile.fake-flower', '--build-arg', `BASE=${base}`];
  args.push('--build-arg', `FLWR_VERSION=${defaultFlowerVersion}`, '--build-arg', `WHEELS=${wheels}`, '-t', tag, '.');
  const build = run('docker', args, { cwd: testDir });
  if (build.status !== 0) throw new Error(`building ${tag} failed (exit ${String(build.status)}):\n${`${build.stdout}\n${build.stderr}`.slice(-3000)}`);
  // Superseded fake-flower tags only; an image still used by a container stays (rm without -f fails).
  const listed = run('docker', ['image', 'ls', repository, '--format', '{{.Repository}}:{{.Tag}}'], { timeoutMs: 30_000 });
  for (const old of listed.stdout.split('\n').map((l) => l.trim())) {
    if (old.startsWith(`${repository}:`) && old !== tag) run('docker', ['image', 'rm', old], { timeoutMs: 60_000 });
  }
  return tag;
}

/**
 * Copies the bundled example repository to `dir`, pinned to the base image's numpy and scikit-learn and
 * built offline FROM the fake-Flower image; `project`'s top-level keys replace those of its flops.json.
 */
export function copyExampleForFakeFlower(dir: string, fakeImage: string, project: Record<string, unknown> = {}): void {
  cpSync(path.join(repoRoot, 'examples/mnist-sklearn'), dir, { recursive: true, filter: (source) => !source.includes(`${path.sep}.flops`) });
  pinToBaseImage(dir);
  const flops = JSON.parse(readFileSync(path.join(dir, 'flops.json'), 'utf8')) as Record<string, unknown>;
  delete flops['$schema'];
  writeFileSync(path.join(dir, 'flops.json'), JSON.stringify({ ...flops, image: { base_image: fakeImage, offline: true }, ...project }, null, 2));
}

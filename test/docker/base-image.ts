import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { run } from './docker-cli';

/**
 * A Debian bookworm Python image built locally (testing.md §7.3), since nothing can be pulled here. It
 * plays a "prepared base image" of an air-gapped edge site: Python plus the ML stack from Debian's
 * packages. The tag is a hash of the recipe, so a changed package list builds a new image and a stale one
 * is never reused; an existing image is reused across runs.
 */
const packages = ['python3', 'python3-venv', 'python3-pip', 'ca-certificates', 'python3-numpy', 'python3-sklearn', 'python3-cffi-backend'];
const recipe = `bookworm minbase ${packages.join(',')} v1`;
export const baseImage = `flops-test/bookworm-py:${createHash('sha256').update(recipe).digest('hex').slice(0, 12)}`;

export function ensureBaseImage(log: (line: string) => void): string {
  if (run('docker', ['image', 'inspect', baseImage], { timeoutMs: 30_000 }).status === 0) return baseImage;
  const rootfs = mkdtempSync(path.join(tmpdir(), 'flops-rootfs-'));
  try {
    log(`building ${baseImage} with debootstrap (about a minute)…`);
    const boot = run('debootstrap', ['--variant=minbase', `--include=${packages.join(',')}`, 'bookworm', rootfs, 'http://deb.debian.org/debian'], { timeoutMs: 900_000 });
    if (boot.status !== 0) throw new Error(`debootstrap failed (exit ${String(boot.status)}): ${boot.stderr.slice(-2000)}`);
    // Trim what an image does not need (debs, lists, docs), as testing.md §7.3 does.
    for (const dir of ['var/cache/apt/archives', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man']) rmSync(path.join(rootfs, dir), { recursive: true, force: true });
    const tar = spawnSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 2 * 1024 * 1024 * 1024 });
    if (tar.status !== 0) throw new Error(`tar of the rootfs failed: ${tar.stderr.toString()}`);
    const imported = spawnSync('docker', ['import', '-c', 'ENV LANG=C.UTF-8', '-c', 'CMD ["/bin/bash"]', '-', baseImage], { input: tar.stdout, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    if (imported.status !== 0) throw new Error(`docker import failed: ${imported.stderr}`);
    return baseImage;
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

/**
 * Pins a copied repository's conda.yaml to the numpy and scikit-learn versions Debian bookworm ships in
 * the base image, so an offline build finds them "already satisfied". Real flwr 1.27 would refuse
 * numpy 1.24 (it needs >=1.26, which flops/flower-pin-conflict reports as an error); the FAKE Flower
 * of the test image has no such requirement, so the copy's flops.json turns that one rule off.
 */
export function pinToBaseImage(repo: string): void {
  const file = path.join(repo, 'conda.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/numpy=[\d.]+/, 'numpy=1.24').replace(/scikit-learn=[\d.]+/, 'scikit-learn=1.2'));
  const projectFile = path.join(repo, 'flops.json');
  const project = JSON.parse(readFileSync(projectFile, 'utf8')) as { lint?: { rules?: Record<string, string> } };
  project.lint = { ...project.lint, rules: { ...project.lint?.rules, 'flops/flower-pin-conflict': 'off' } };
  writeFileSync(projectFile, `${JSON.stringify(project, null, 2)}\n`);
}

import ignore from '@balena/dockerignore';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, opendir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { throwIfCancelled } from '../core/errors';

/**
 * What a simulation image is built from: the repository minus what never belongs in an image, minus what
 * the repository's `.dockerignore` excludes. The same list is sent to the engine and hashed into the
 * image tag, so an unchanged tag means an unchanged build context and the build can be skipped.
 */

/** Folder names excluded wherever they occur: VCS data, caches, virtual environments, editor state. */
const excludedFolderNames = new Set(['.git', '__pycache__', '.venv', 'venv', 'node_modules', '.mypy_cache', '.pytest_cache', '.ipynb_checkpoints']);
/** Our own run output and deployment records: they change on every run and would make every tag new. */
const excludedFolderPaths = new Set(['.flops/output', '.flops/runs', '.flops/deployments']);
/** Generated files the image never uses: editing the Oakestra SLA must not make a new image. */
const excludedFilePaths = new Set(['.flops/flops.sla.json']);

/**
 * The files of the build context, relative to `repoDir`, `/`-separated, sorted by code unit. Links are
 * listed as themselves and never followed (the engine receives them as links, so a link to a folder
 * cannot pull in a tree or loop). Throws when a folder cannot be listed: the build would fail on it too.
 */
export async function listBuildContext(repoDir: string, signal?: AbortSignal): Promise<string[]> {
  const rules = await readDockerignore(repoDir);
  const files: string[] = [];
  const queue: string[] = [''];
  while (queue.length > 0) {
    throwIfCancelled(signal);
    const rel = queue.shift() as string;
    let dir;
    try {
      dir = await opendir(path.join(repoDir, rel));
    } catch (error) {
      throw new Error(`The build context cannot be listed: ${path.join(repoDir, rel)} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, { cause: error });
    }
    for await (const dirent of dir) {
      const childRel = rel === '' ? dirent.name : `${rel}/${dirent.name}`;
      if (dirent.isDirectory()) {
        if (excludedFolderNames.has(dirent.name) || excludedFolderPaths.has(childRel)) continue;
        if (rules?.canSkipFolder(childRel) === true) continue;
        queue.push(childRel);
      } else if (dirent.isFile()) {
        if (!dirent.name.endsWith('.pyc') && !excludedFilePaths.has(childRel)) files.push(childRel);
      } else if (dirent.isSymbolicLink()) {
        files.push(childRel);
      }
      // Sockets, pipes and devices cannot be put in an image; `docker build` skips them as well.
    }
  }
  const kept = rules === undefined ? files : files.filter((file) => !rules.ignores(file));
  return kept.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

interface DockerignoreRules {
  ignores(file: string): boolean;
  canSkipFolder(folder: string): boolean;
}

async function readDockerignore(repoDir: string): Promise<DockerignoreRules | undefined> {
  let text;
  try {
    text = await readFile(path.join(repoDir, '.dockerignore'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${path.join(repoDir, '.dockerignore')} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, { cause: error });
  }
  // Case-sensitive, as the docker CLI matches on Linux.
  const matcher = ignore({ ignorecase: false }).add(text);
  // A `!` rule can re-include a file below an excluded folder, so folders are pruned only without one.
  const hasExceptions = text.split(/\r?\n/).some((line) => line.trim().startsWith('!'));
  return {
    ignores: (file) => matcher.ignores(file),
    canSkipFolder: (folder) => !hasExceptions && matcher.ignores(folder),
  };
}

/** Repository names Docker accepts as one path component of an image name. */
const imageNamePattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/**
 * `flops-<appName>:<16 hex>`: a SHA-256 over every file (path, NUL, size, NUL, content, in the given
 * order) and the build arguments sorted by name. A link contributes its target path as its content,
 * since that is what the engine receives. Files are streamed, so large data files cost no memory.
 */
export async function imageTag(
  appName: string,
  repoDir: string,
  files: readonly string[],
  buildArgs: Readonly<Record<string, string>>,
  signal?: AbortSignal,
): Promise<string> {
  if (!imageNamePattern.test(`flops-${appName}`)) throw new Error(`"${appName}" cannot be part of an image name: use lowercase letters, digits, ".", "_" and "-".`);
  const hash = createHash('sha256');
  for (const file of files) {
    throwIfCancelled(signal);
    await hashEntry(hash, repoDir, file, signal);
  }
  // The separator keeps a build argument from being mistaken for the tail of the last file.
  hash.update('\0buildargs\0');
  for (const name of Object.keys(buildArgs).sort()) hash.update(`${name}\0${buildArgs[name] ?? ''}\0`);
  return `flops-${appName}:${hash.digest('hex').slice(0, 16)}`;
}

async function hashEntry(hash: Hash, repoDir: string, file: string, signal: AbortSignal | undefined): Promise<void> {
  const full = path.join(repoDir, file);
  try {
    const info = await lstat(full);
    hash.update(`${file}\0${info.size}\0`);
    if (info.isSymbolicLink()) {
      hash.update(await readlink(full));
      return;
    }
    for await (const chunk of createReadStream(full, signal !== undefined ? { signal } : {})) hash.update(chunk as Buffer);
  } catch (error) {
    throwIfCancelled(signal);
    throw new Error(`${full} cannot be read for the image tag (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, { cause: error });
  }
}

import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, realpath, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FlError } from '../core/errors';
import type { GeneratedFile } from '../core/generated-files';
import { isInside } from './repo-reader';
import { type GenerationPlan, hasDrift, isSafeRelativePath, manifestFileName, parseManifest, planGeneration, type PlanOptions } from '../core/generate/manifest';

/**
 * Carries out a generation plan in an output folder: writes new and unedited files, deletes files no
 * longer generated, and never replaces a file the user edited unless asked (core/generate/manifest.ts
 * decides). Files that are not regular files (links, folders) count as edited, so nothing is written
 * through a link.
 */

export function sha256(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Marks a path that exists but is no regular file: never equal to a content hash. */
const notAFile = 'not-a-regular-file';

async function diskHash(file: string): Promise<string | undefined> {
  let info;
  try {
    info = await lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!info.isFile()) return notAFile;
  return sha256(await readFile(file));
}

async function readManifest(file: string): Promise<string | undefined> {
  try {
    const info = await lstat(file);
    return info.isFile() ? await readFile(file, 'utf8') : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export interface GenerationOutcome {
  readonly plan: GenerationPlan;
  /** Whether the folder differs from a fresh generation (before anything was written). */
  readonly drift: boolean;
}

/**
 * Refuses (FlError 'invalidInput') when writing `relativePaths` under `outDir` would go through a link
 * that leaves `root`: `.flops` itself, or a folder below it such as `.flops/flops_app`, linked elsewhere.
 * Every existing folder on the way is checked, so nothing is written or deleted outside the repository.
 */
export async function assertInsideRepository(root: string, outDir: string, relativePaths: readonly string[]): Promise<void> {
  const realRoot = await realpath(root);
  const folders = new Set<string>();
  const fromRoot = path.relative(root, outDir).split(path.sep).filter((p) => p !== '');
  for (let i = 1; i <= fromRoot.length; i++) folders.add(path.join(root, ...fromRoot.slice(0, i)));
  for (const relative of relativePaths) {
    const parts = relative.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) folders.add(path.join(outDir, ...parts.slice(0, i)));
  }
  for (const folder of [...folders].sort()) {
    let info;
    try {
      info = await lstat(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    if (!info.isSymbolicLink()) continue;
    const target = await realpath(folder).catch(() => undefined);
    if (target === undefined || !isInside(realRoot, target)) {
      throw new FlError(
        'invalidInput',
        `${folder} is a link to ${target ?? 'a path that does not exist'}, outside the repository; generated files are written only inside it. Remove the link (a cloned repository may carry it), then generate again.`,
      );
    }
  }
}

/** Plans the generation against what `outDir` holds. */
export async function planInFolder(outDir: string, files: readonly GeneratedFile[], options: PlanOptions = {}): Promise<GenerationOutcome> {
  for (const f of files) if (!isSafeRelativePath(f.path) || f.path === manifestFileName) throw new Error(`generator produced an unsafe path: ${f.path}`);
  const manifestText = await readManifest(path.join(outDir, manifestFileName));
  // The plan asks about the generated paths and those a valid manifest records (validated as safe).
  const recorded = manifestText === undefined ? [] : Object.keys(parseManifest(manifestText)?.files ?? {});
  const hashes = new Map<string, string | undefined>();
  for (const p of [...new Set([...files.map((f) => f.path), ...recorded])].sort()) hashes.set(p, await diskHash(path.join(outDir, ...p.split('/'))));
  const plan = planGeneration(files, { manifestText, hashes }, sha256, options);
  return { plan, drift: hasDrift(plan) };
}

/** Writes what the plan says: files (via a temporary file and a rename), deletions, the manifest. */
export async function applyPlan(outDir: string, plan: GenerationPlan): Promise<void> {
  const write = async (relative: string, content: string): Promise<void> => {
    const target = path.join(outDir, ...relative.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.flops-tmp`;
    await writeFile(temporary, content, 'utf8');
    await rename(temporary, target);
  };
  for (const file of plan.writes) await write(file.path, file.content);
  for (const relative of plan.deletes) await unlink(path.join(outDir, ...relative.split('/')));
  if (plan.manifestChanged) await write(manifestFileName, plan.manifestText);
}

import { z } from 'zod';
import type { GeneratedFile } from '../generated-files';

/**
 * Safe regeneration. The output folder holds a manifest of the hash of every file as it was generated;
 * a file whose content no longer has that hash was edited by the user and is never overwritten unless
 * asked. Planning is pure: io reads the disk, hashes, and carries the plan out.
 */

export const manifestFileName = 'manifest.json';

/** A relative, `/`-separated path that stays inside the output folder. */
export function isSafeRelativePath(path: string): boolean {
  return path !== '' && !path.startsWith('/') && !path.includes('\\') && !/^[A-Za-z]:/.test(path) && path.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

export const manifestSchema = z.object({
  generator: z.literal('flops-vscode'),
  version: z.literal(1),
  /** Path (relative to the output folder) -> sha256 hex of the content as generated. */
  files: z.record(z.string().refine(isSafeRelativePath), z.string().regex(/^[0-9a-f]{64}$/)),
});
export type Manifest = z.infer<typeof manifestSchema>;

export function parseManifest(text: string): Manifest | undefined {
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function serializeManifest(manifest: Manifest): string {
  const files: Record<string, string> = {};
  for (const path of Object.keys(manifest.files).sort()) files[path] = manifest.files[path] as string;
  return `${JSON.stringify({ generator: manifest.generator, version: manifest.version, files }, null, 2)}\n`;
}

export type FileAction =
  /** Not on disk: written. */
  | 'create'
  /** On disk as last generated, content changes: rewritten. */
  | 'update'
  /** On disk with the new content already: not touched. */
  | 'unchanged'
  /** Edited since generated (or not ours): kept, reported. */
  | 'keep-edited'
  /** Edited, but overwriting was asked for. */
  | 'overwrite-edited'
  /** No longer generated and unedited: deleted. */
  | 'delete'
  /** No longer generated but edited: kept, dropped from the manifest. */
  | 'keep-stale';

export interface PlannedFile {
  readonly path: string;
  readonly action: FileAction;
}

export interface GenerationPlan {
  readonly files: readonly PlannedFile[];
  /** What to write (create, update, overwrite-edited). */
  readonly writes: readonly GeneratedFile[];
  readonly deletes: readonly string[];
  /** The manifest after the plan is carried out, serialized. */
  readonly manifestText: string;
  /** Whether the manifest file must be (re)written. */
  readonly manifestChanged: boolean;
}

export interface DiskState {
  /** The manifest file's text, `undefined` when absent. */
  readonly manifestText: string | undefined;
  /**
   * The sha256 of each file on disk that the plan asks about (generated paths and manifest paths);
   * `undefined` when absent. Anything that is not a regular file gets a value that is no hash, so it
   * counts as edited.
   */
  readonly hashes: ReadonlyMap<string, string | undefined>;
}

export interface PlanOptions {
  /** Replace files the user edited (after showing the diff, or `--overwrite`). */
  readonly overwriteEdited?: boolean;
}

/** Decides, file by file, what regeneration does. */
export function planGeneration(files: readonly GeneratedFile[], disk: DiskState, hash: (content: string) => string, options: PlanOptions = {}): GenerationPlan {
  const old = disk.manifestText === undefined ? undefined : parseManifest(disk.manifestText);
  const oldFiles = old?.files ?? {};
  const next: Record<string, string> = {};
  const planned: PlannedFile[] = [];
  const writes: GeneratedFile[] = [];
  const deletes: string[] = [];
  const generated = new Set(files.map((f) => f.path));

  for (const file of files) {
    const wanted = hash(file.content);
    const current = disk.hashes.get(file.path);
    const recorded = oldFiles[file.path];
    if (current === undefined) {
      planned.push({ path: file.path, action: 'create' });
      writes.push(file);
      next[file.path] = wanted;
    } else if (current === wanted) {
      planned.push({ path: file.path, action: 'unchanged' });
      next[file.path] = wanted;
    } else if (recorded !== undefined && current === recorded) {
      planned.push({ path: file.path, action: 'update' });
      writes.push(file);
      next[file.path] = wanted;
    } else if (options.overwriteEdited === true) {
      planned.push({ path: file.path, action: 'overwrite-edited' });
      writes.push(file);
      next[file.path] = wanted;
    } else {
      planned.push({ path: file.path, action: 'keep-edited' });
      // Keep the old record, so the file keeps counting as edited until the user resolves it.
      if (recorded !== undefined) next[file.path] = recorded;
    }
  }
  for (const [path, recorded] of Object.entries(oldFiles).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (generated.has(path)) continue;
    const current = disk.hashes.get(path);
    if (current === undefined) continue;
    if (current === recorded) {
      planned.push({ path, action: 'delete' });
      deletes.push(path);
    } else planned.push({ path, action: 'keep-stale' });
  }
  const manifestText = serializeManifest({ generator: 'flops-vscode', version: 1, files: next });
  return { files: planned, writes, deletes, manifestText, manifestChanged: manifestText !== disk.manifestText };
}

/** Whether the output folder differs from a fresh generation (`--check`). */
export function hasDrift(plan: GenerationPlan): boolean {
  return plan.manifestChanged || plan.files.some((f) => f.action !== 'unchanged');
}

import { lstat, open, opendir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { FlError, throwIfCancelled } from '../core/errors';
import type { ReadResult, RepoEntry, RepoListing, RepoProblem, RepoReader } from '../core/ports';

/** Folders that never hold the user's ML code: VCS data, caches, virtual environments, our own output. */
const skippedFolders = new Set([
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  '__pycache__',
  '.venv',
  'venv',
  '.tox',
  '.nox',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  '.ipynb_checkpoints',
  'site-packages',
  '.flops',
]);

export interface FsRepoReaderOptions {
  /** Files larger than this are not read (default 2 MiB: no hand-written Python module is that big). */
  readonly maxFileBytes?: number;
  /** Listing stops after this many entries (default 100,000), with a problem saying so. */
  readonly maxEntries?: number;
}

/**
 * RepoReader over the local file system. Never follows links to folders (so link loops cannot hang
 * it) nor links that leave the repository (FLOps builds from a git clone, where they do not resolve, and
 * a cloned repository must not make us read the user's other files), reports unreadable folders as
 * problems instead of failing, and decodes text strictly as UTF-8 unless a Python coding declaration
 * names another encoding.
 */
export class FsRepoReader implements RepoReader {
  private readonly maxFileBytes: number;
  private readonly maxEntries: number;

  constructor(
    readonly root: string,
    options: FsRepoReaderOptions = {},
  ) {
    this.maxFileBytes = options.maxFileBytes ?? 2 * 1024 * 1024;
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  /** Checks that the root is a readable folder; throws `FlError('invalidInput')` with a clear message. */
  static async open(root: string, options: FsRepoReaderOptions = {}): Promise<FsRepoReader> {
    const absolute = path.resolve(root);
    let info;
    try {
      info = await stat(absolute);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new FlError(
        'invalidInput',
        code === 'ENOENT' ? `${absolute} does not exist.` : `${absolute} cannot be read (${code ?? String(error)}).`,
      );
    }
    if (!info.isDirectory()) throw new FlError('invalidInput', `${absolute} is a file; give the folder of the ML repository.`);
    try {
      const dir = await opendir(absolute);
      await dir.close();
    } catch (error) {
      throw new FlError('invalidInput', `${absolute} cannot be listed (${(error as NodeJS.ErrnoException).code ?? String(error)}); check its permissions.`);
    }
    return new FsRepoReader(absolute, options);
  }

  /**
   * Where the file at `rel` really is, when that is outside the repository. Folders are resolved once
   * each (a cold lint reads a thousand files from a few folders); only a file that is itself a link is
   * resolved on its own.
   */
  private async outsideTarget(rel: string, fileIsLink: boolean): Promise<string | undefined> {
    // The root with its own links resolved is what "inside the repository" is measured against.
    this.realRoot ??= realpath(this.root);
    const full = path.join(this.root, rel);
    let real: string;
    if (fileIsLink) real = await realpath(full);
    else {
      const folder = path.dirname(full);
      let realFolder = this.realFolders.get(folder);
      if (realFolder === undefined) {
        realFolder = realpath(folder);
        this.realFolders.set(folder, realFolder);
      }
      real = path.join(await realFolder, path.basename(full));
    }
    return isInside(await this.realRoot, real) ? undefined : real;
  }

  private realRoot: Promise<string> | undefined;
  private readonly realFolders = new Map<string, Promise<string>>();

  async list(signal?: AbortSignal): Promise<RepoListing> {
    const entries: RepoEntry[] = [];
    const problems: RepoProblem[] = [];
    const queue: string[] = [''];
    while (queue.length > 0) {
      throwIfCancelled(signal);
      const rel = queue.shift() as string;
      let dir;
      try {
        dir = await opendir(path.join(this.root, rel));
      } catch (error) {
        problems.push({ path: rel, message: `folder cannot be listed (${(error as NodeJS.ErrnoException).code ?? String(error)})` });
        continue;
      }
      for await (const dirent of dir) {
        const childRel = rel === '' ? dirent.name : `${rel}/${dirent.name}`;
        if (entries.length >= this.maxEntries) {
          problems.push({ path: rel, message: `listing stopped after ${this.maxEntries} entries` });
          return { entries, problems };
        }
        if (dirent.isDirectory()) {
          if (skippedFolders.has(dirent.name)) continue;
          entries.push({ path: childRel, kind: 'dir', size: 0 });
          queue.push(childRel);
        } else if (dirent.isFile()) {
          entries.push({ path: childRel, kind: 'file', size: await this.sizeOf(childRel) });
        } else if (dirent.isSymbolicLink()) {
          // Links to files count as files; links to folders are not followed, so loops cannot occur.
          try {
            const target = await stat(path.join(this.root, childRel));
            const outside = target.isFile() ? await this.outsideTarget(childRel, true) : undefined;
            if (outside !== undefined) problems.push({ path: childRel, kind: 'outsideLink', message: outsideLinkMessage(outside) });
            else if (target.isFile()) entries.push({ path: childRel, kind: 'file', size: target.size });
            else if (target.isDirectory()) problems.push({ path: childRel, message: 'link to a folder, not followed' });
          } catch {
            problems.push({ path: childRel, message: 'broken link' });
          }
        }
      }
    }
    entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { entries, problems };
  }

  async readText(rel: string, signal?: AbortSignal): Promise<ReadResult> {
    throwIfCancelled(signal);
    const full = path.join(this.root, rel);
    let handle;
    try {
      const linkInfo = await lstat(full);
      const info = linkInfo.isSymbolicLink() ? await stat(full) : linkInfo;
      if (!info.isFile()) return { kind: 'unreadable', reason: 'not a regular file' };
      // A link anywhere on the way (the file or a folder above it) may lead out of the repository.
      const outside = await this.outsideTarget(rel, linkInfo.isSymbolicLink());
      if (outside !== undefined) return { kind: 'unreadable', reason: outsideLinkMessage(outside) };
      if (info.size > this.maxFileBytes) {
        return { kind: 'unreadable', reason: `too large to lint (${formatBytes(info.size)}; the limit is ${formatBytes(this.maxFileBytes)})` };
      }
      handle = await open(full, 'r');
      const bytes = await handle.readFile();
      return decodeSource(bytes);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { kind: 'unreadable', reason: code === 'EACCES' ? 'permission denied' : `cannot be read (${code ?? String(error)})` };
    } finally {
      await handle?.close();
    }
  }

  private async sizeOf(rel: string): Promise<number> {
    try {
      return (await lstat(path.join(this.root, rel))).size;
    } catch {
      return 0;
    }
  }
}

/** Whether `target` is `root` or below it (both absolute, links resolved). */
export function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative));
}

function outsideLinkMessage(target: string): string {
  return `a link to ${target}, outside the repository; FLOps builds from a git clone, where this link does not resolve. Replace the link with the file itself`;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

/** PEP 263: a coding declaration in the first two lines. */
const codingPattern = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;

/**
 * Python's spellings of UTF-8 and Latin-1 (`latin-1`, `latin_1`, `ISO_8859_1`, `utf_8`, as normalised by
 * CPython's tokenizer, `get_normal_name`) → labels TextDecoder knows; WHATWG has no `latin-1` label.
 * WHATWG's `latin1` is windows-1252, which differs from ISO-8859-1 only in the C1 controls 0x80-0x9F.
 */
function decoderLabel(declared: string): string {
  const name = declared.replace(/_/g, '-');
  if (name === 'utf-8' || name.startsWith('utf-8-')) return 'utf-8';
  if (/^(latin-1|iso-latin-1|iso-8859-1)(-|$)/.test(name)) return 'latin1';
  return declared;
}

/** Whether `bytes` start with the UTF-8 byte-order mark EF BB BF. */
export function startsWithByteOrderMark(bytes: Uint8Array): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/** Decodes source bytes as Python would: UTF-8 (BOM allowed) unless a coding line says otherwise. */
export function decodeSource(bytes: Uint8Array): ReadResult {
  const probeEnd = Math.min(bytes.length, 8192);
  for (let i = 0; i < probeEnd; i++) {
    if (bytes[i] === 0) return { kind: 'unreadable', reason: 'binary file (contains NUL bytes)' };
  }
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 400))).split('\n').slice(0, 2);
  let encoding = 'utf-8';
  for (const line of head) {
    const match = codingPattern.exec(line);
    if (match?.[1] !== undefined) {
      encoding = match[1].toLowerCase();
      break;
    }
  }
  try {
    const text = new TextDecoder(decoderLabel(encoding), { fatal: true, ignoreBOM: false }).decode(bytes);
    const byteOrderMark = startsWithByteOrderMark(bytes);
    return byteOrderMark ? { kind: 'text', text, byteOrderMark } : { kind: 'text', text };
  } catch (error) {
    if (error instanceof RangeError) return { kind: 'unreadable', reason: `declares an unknown encoding "${encoding}"` };
    return {
      kind: 'unreadable',
      reason: decoderLabel(encoding) === 'utf-8' ? 'not valid UTF-8 (Python 3 reads source as UTF-8 unless it declares a coding)' : `not valid ${encoding}`,
    };
  }
}

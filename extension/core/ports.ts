import type { PyModule } from './lint/python-model';

/**
 * The core's only ways to reach the outside world. Implementations live in io/ (real) and test/ (fakes);
 * the core never imports Node's fs, child_process, dockerode or undici.
 */

export interface RepoEntry {
  /** Relative to the repo root, `/`-separated. */
  readonly path: string;
  readonly kind: 'file' | 'dir';
  readonly size: number;
}

export interface RepoProblem {
  readonly path: string;
  readonly message: string;
}

export interface RepoListing {
  readonly entries: readonly RepoEntry[];
  /** Folders that could not be listed, links that were not followed, limits that were hit. */
  readonly problems: readonly RepoProblem[];
}

export type ReadResult =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'unreadable'; readonly reason: string };

export interface RepoReader {
  /** Absolute path of the repo root, for messages. */
  readonly root: string;
  /** Lists files and folders, skipping caches and virtual environments; never follows directory links. */
  list(signal?: AbortSignal): Promise<RepoListing>;
  /** Reads a text file; binary, oversized, undecodable or unreadable files come back as `unreadable`. */
  readText(path: string, signal?: AbortSignal): Promise<ReadResult>;
}

export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

/**
 * Parses Python source into the lint model, at the given level of detail. Results are in input order.
 * A file that does not parse still yields a module: its syntax errors plus whatever did parse.
 */
export interface PythonAnalyzer {
  analyze(
    files: readonly SourceFile[],
    options: { readonly detail: PyModule['detail']; readonly signal?: AbortSignal | undefined },
  ): Promise<PyModule[]>;
}

/** Local git state, for `flops/unpushed-changes`. `undefined` fields mean "not known". */
export interface GitState {
  readonly isRepo: boolean;
  readonly head?: string;
  readonly upstreamHead?: string;
  readonly upstreamName?: string;
  readonly dirtyFiles: number;
  readonly originUrl?: string;
}

export interface GitInspector {
  inspect(signal?: AbortSignal): Promise<GitState>;
}

export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error): void;
}

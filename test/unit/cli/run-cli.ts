import { execFile } from 'node:child_process';
import path from 'node:path';
import { distDir } from '../repo-paths';

/** What a run of the built `flops` CLI (dist/cli.js) in a child process gave. */
export interface CliResult {
  /** The exit code; `null` when it was killed (the time limit, 30 s unless given). */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Added to this process's environment (NO_COLOR is always set). */
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  readonly maxBuffer?: number;
}

/** Runs `flops ARGS` from `cwd`, without colours. */
export function cli(args: readonly string[], cwd?: string, options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const env = { ...process.env, NO_COLOR: '1', ...options.env };
    execFile(process.execPath, [path.join(distDir, 'cli.js'), ...args], { ...(cwd !== undefined ? { cwd } : {}), timeout: options.timeoutMs ?? 30_000, ...(options.maxBuffer !== undefined ? { maxBuffer: options.maxBuffer } : {}), encoding: 'utf8', env }, (error, stdout, stderr) => {
      resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

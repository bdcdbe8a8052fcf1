import { execFile } from 'node:child_process';
import path from 'node:path';
import { distDir } from '../repo-paths';

/** What a run of the built `flops` CLI (dist/cli.js) in a child process gave. */
export interface CliResult {
  /** The exit code; `null` when it was killed (the 30 s limit). */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `flops ARGS` from `cwd`, without colours. */
export function cli(args: readonly string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(distDir, 'cli.js'), ...args], { cwd, timeout: 30_000, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

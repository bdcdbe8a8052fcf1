import { spawnSync, type SpawnSyncReturns } from 'node:child_process';

/** Runs the docker CLI (or another tool) and returns its result; never throws for a non-zero exit. */
export function run(command: string, args: readonly string[], options: { input?: Buffer; timeoutMs?: number; cwd?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeoutMs ?? 600_000,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
}

/** Whether a Docker engine answers on the configured socket. */
export function dockerAnswers(): boolean {
  return run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 }).status === 0;
}

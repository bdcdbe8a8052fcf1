import type { ChildProcess } from 'node:child_process';

/** Resolves once `child` has exited (immediately when it already has). */
export function processExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: nothing left in the group
  }
}

/**
 * Stops a child spawned with `detached: true` together with everything in its process group:
 * SIGTERM, SIGKILL after `graceMs` if the leader is still alive, then waits for its `exit` event.
 * A final SIGKILL to the group catches members that outlived the leader.
 */
export async function stopProcessGroup(child: ChildProcess, graceMs = 5_000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const exited = processExit(child);
  if (killGroup(pid, 'SIGTERM')) {
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace-over'>((resolve) => {
      timer = setTimeout(() => resolve('grace-over'), graceMs);
    });
    const outcome = await Promise.race([exited, graceOver]);
    clearTimeout(timer);
    if (outcome === 'grace-over') killGroup(pid, 'SIGKILL');
  }
  await exited;
  killGroup(pid, 'SIGKILL');
}

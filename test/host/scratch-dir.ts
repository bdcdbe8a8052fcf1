import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hostLog } from './host-log';

const prefix = 'flops-host-';
const ownerFile = 'owner.json';

interface Owner {
  runnerPid: number;
  /** Process groups started inside this scratch dir (code-server). */
  groups: number[];
}

/** PIDs in process group `pgid`, from /proc (Linux). */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 5 of /proc/<pid>/stat is the process group; the command name before it may hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid) members.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return members;
}

/** Whether `pid` was started for the scratch dir `dir` (its HOME or its arguments point into it). */
function startedFor(pid: number, dir: string): boolean {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return environ.some((v) => v.startsWith(`HOME=${dir}/`)) || cmdline.includes(dir);
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * One scratch root per run, under the system temp dir. It records the runner's PID and the
 * process groups it starts, so the next run can clean up after one that was SIGKILLed.
 */
export class ScratchDir {
  readonly path: string;
  readonly #owner: Owner;

  private constructor(dir: string) {
    this.path = dir;
    this.#owner = { runnerPid: process.pid, groups: [] };
    this.#save();
  }

  static create(): ScratchDir {
    return new ScratchDir(mkdtempSync(path.join(os.tmpdir(), prefix)));
  }

  /** Remembers a process group so a later sweep can kill it if this runner dies first. */
  recordGroup(pid: number): void {
    this.#owner.groups.push(pid);
    this.#save();
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }

  #save(): void {
    writeFileSync(path.join(this.path, ownerFile), JSON.stringify(this.#owner));
  }

  /** Kills the groups and deletes the dirs of earlier runs whose runner is gone. */
  static sweepStale(): void {
    for (const name of readdirSync(os.tmpdir())) {
      if (!name.startsWith(prefix)) continue;
      const dir = path.join(os.tmpdir(), name);
      let owner: Owner;
      try {
        owner = JSON.parse(readFileSync(path.join(dir, ownerFile), 'utf8')) as Owner;
      } catch {
        continue; // not ours, or being created right now
      }
      if (owner.runnerPid === process.pid || isAlive(owner.runnerPid)) continue;
      for (const group of owner.groups) {
        // Only kill a group that still runs something started for this very scratch dir: the
        // leader may be gone (and its PID reused), while code-server's children live on.
        if (groupMembers(group).some((pid) => startedFor(pid, dir))) {
          try {
            process.kill(-group, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
      rmSync(dir, { recursive: true, force: true });
      hostLog(`removed leftovers of an earlier run: ${dir}`);
    }
  }
}

import { createHash, randomBytes } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ContainerRuntime, Logger, PythonAnalyzer } from '../core/ports';
import type { RunHistoryPort, RunOwnersPort, SimulationPorts } from '../core/simulate/local-simulation';
import { imageTag, listBuildContext } from './build-context';
import { dockerRuntimeFor } from './docker/runtime';
import { freeLocalPorts } from './free-port';
import { applyPlan } from './generated-writer';
import { generationPreparer } from './generation-ports';
import { SimpleGitInspector } from './git-inspector';
import { readRunRecords, runsFolder, writeRunRecord } from './run-history';
import { systemClock } from './system-clock';

/** Stable id of a repository folder on this machine: runs of the same folder share it. */
export async function repoKey(dir: string): Promise<string> {
  const real = await realpath(dir).catch(() => path.resolve(dir));
  return createHash('sha256').update(real).digest('hex').slice(0, 12);
}

export function currentOwner(): string {
  return `${process.pid}@${os.hostname()}`;
}

/**
 * Whether the process named by an owner label ("<pid>@<host>") still runs. Owners on another host
 * (a shared remote engine) count as alive: we cannot tell, and removing a live run would be worse.
 */
export function isOwnerAlive(owner: string): boolean {
  const match = /^(\d+)@(.*)$/.exec(owner);
  if (match === null) return false;
  if (match[2] !== os.hostname()) return true;
  try {
    process.kill(Number(match[1]), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const processOwners: RunOwnersPort = { current: currentOwner, isAlive: isOwnerAlive, repoKey };

/** The run history in `<repo>/.flops/runs/`, unfinished records of dead owners read as interrupted. */
export const fileRunHistory: RunHistoryPort = {
  recordPath: (dir, runId) => path.join(runsFolder(dir), `${runId}.json`),
  write: async (dir, record) => {
    await writeRunRecord(runsFolder(dir), record);
  },
  read: (dir, onProblem) => readRunRecords(runsFolder(dir), isOwnerAlive, onProblem),
};

/** The local simulation's ports on this machine: the file system, Docker, git, the clock. */
export function simulationPorts(analyzer: PythonAnalyzer, options: { readonly logger?: Logger; readonly runtimeFor?: () => ContainerRuntime } = {}): SimulationPorts {
  return {
    prepareGeneration: generationPreparer(analyzer),
    applyGeneration: applyPlan,
    runtime: options.runtimeFor ?? (() => dockerRuntimeFor()),
    buildContext: { list: listBuildContext, tag: imageTag },
    history: fileRunHistory,
    owners: processOwners,
    git: (dir) => new SimpleGitInspector(dir),
    freePorts: freeLocalPorts,
    randomSuffix: () => randomBytes(2).toString('hex'),
    clock: systemClock,
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  };
}

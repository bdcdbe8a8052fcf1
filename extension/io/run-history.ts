import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { messageOf } from '../core/errors';
import { readRunRecord, type RunRecord } from '../core/runs/run-record';

/**
 * The run history on disk: `<repo>/<out>/runs/<run id>.json`, one record per run (core/simulate/
 * core/runs/run-record.ts). Writes go through a temporary file and a rename, so a reader never sees half a record.
 */

export function runsFolder(repoDir: string, out = '.flops'): string {
  return path.join(repoDir, out, 'runs');
}

export async function writeRunRecord(folder: string, record: RunRecord): Promise<string> {
  await mkdir(folder, { recursive: true });
  const target = path.join(folder, `${record.runId}.json`);
  const temporary = `${target}.tmp-${process.pid}`;
  await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`, 'utf8');
  await rename(temporary, target);
  return target;
}

/**
 * Every readable record, newest first. A record without an outcome whose owner process is gone is
 * reported as "interrupted" (its process died before it could write the end).
 */
export async function readRunRecords(folder: string, isOwnerAlive: (owner: string) => boolean, onProblem?: (problem: string) => void): Promise<RunRecord[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records: RunRecord[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    let text: string;
    try {
      text = await readFile(path.join(folder, name), 'utf8');
    } catch (error) {
      onProblem?.(`Could not read the run record ${path.join(folder, name)}: ${messageOf(error)}`);
      continue;
    }
    const read = readRunRecord(text);
    if (read.kind !== 'record') {
      // A record of a newer format version, or one cut short (a full disk), is left out and said so.
      onProblem?.(`Skipped ${path.join(folder, name)}: ${read.problem}.`);
      continue;
    }
    const record = read.record;
    records.push(record.outcome === undefined && !isOwnerAlive(record.owner) ? { ...record, outcome: 'interrupted', message: 'The process that ran it exited before the run ended.' } : record);
  }
  return records.sort((a, b) => b.startedAt - a.startedAt);
}

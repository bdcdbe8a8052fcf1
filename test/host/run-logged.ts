import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import type { CleanupStack } from './cleanup-stack';
import { hostLog } from './host-log';
import { stopProcessGroup } from './stop-process-group';

export interface RunLoggedOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Every output line is appended here; the tail is printed on failure. */
  logFile: string;
  cleanup: CleanupStack;
  heartbeatMs?: number;
}

/** npm lifecycle banners (`> pkg@1.0.0 install`) and compiler steps; not warnings. */
const progressLine = /^> \S+@\S+ \w+$|^\s*(CC|CXX|SOLINK_MODULE|LINK)\(target\)|^added \d+ packages/;

/**
 * Runs a long command (an npm install) without flooding the console: its output goes to
 * `logFile`, and every `heartbeatMs` a progress line shows the elapsed time and the last line
 * it printed. Rejects with the log's tail when the command fails. The child runs in its own
 * process group, so a cleanup (SIGINT) stops its whole tree.
 */
export async function runLogged(label: string, command: string, args: string[], options: RunLoggedOptions): Promise<void> {
  const started = Date.now();
  appendFileSync(options.logFile, `\n$ ${command} ${args.join(' ')}\n`);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const unregister = options.cleanup.add(`stop ${label}`, () => stopProcessGroup(child));
  const tail: string[] = [];
  let partial = '';
  let step = ''; // the last line that says what is going on, for the progress line
  const onData = (chunk: Buffer): void => {
    appendFileSync(options.logFile, chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (progressLine.test(line)) step = line.trim();
    }
    if (tail.length > 200) tail.splice(0, tail.length - 200);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const heartbeat = setInterval(() => {
    const last = step.slice(0, 110);
    hostLog(`  ${label}: ${Math.round((Date.now() - started) / 1000)} s … ${last}`);
  }, options.heartbeatMs ?? 15_000);
  try {
    const code = await new Promise<number | string>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode, signal) => resolve(exitCode ?? signal ?? 'unknown'));
    });
    if (code !== 0) {
      if (partial.trim() !== '') tail.push(partial);
      throw new Error(
        `${label} failed (exit ${code}) after ${Math.round((Date.now() - started) / 1000)} s; ` +
          `full log: ${options.logFile}\n--- last lines ---\n${tail.slice(-60).join('\n')}`,
      );
    }
    hostLog(`  ${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    clearInterval(heartbeat);
    unregister();
  }
}

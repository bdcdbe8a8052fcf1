import { existsSync, mkdirSync, rmSync, watch } from 'node:fs';
import path from 'node:path';

/**
 * Asks the runner for a screenshot of the whole workbench and waits until the PNG exists.
 * The code-server runner (test/host/run-host-tests.ts) sees the `@@screenshot <name>` line in
 * the extension host's console and writes `<FLOPS_TEST_SCREENSHOTS>/<name>.png` (write, then
 * rename, so the file appears whole). Hosts without such a runner (test-electron) leave
 * FLOPS_TEST_SCREENSHOTS unset: the call logs a SKIP line and resolves with undefined.
 */
export async function takeScreenshot(name: string, timeoutMs = 15_000): Promise<string | undefined> {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`screenshot name ${JSON.stringify(name)} must match [A-Za-z0-9_.-]+`);
  const dir = process.env['FLOPS_TEST_SCREENSHOTS'];
  if (dir === undefined || dir === '') {
    console.log(`SKIP screenshot ${name}: this host has no screenshot runner (FLOPS_TEST_SCREENSHOTS unset)`);
    return undefined;
  }
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  rmSync(file, { force: true }); // a shot from an earlier run must not count
  // The file's appearance is an event (a rename in `dir`): watch for it rather than poll.
  const watcher = watch(dir);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no screenshot ${file} within ${timeoutMs} ms after logging "@@screenshot ${name}"`));
      }, timeoutMs);
      watcher.on('change', () => {
        if (existsSync(file)) {
          clearTimeout(timer);
          resolve();
        }
      });
      watcher.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      console.log(`@@screenshot ${name}`);
    });
  } finally {
    watcher.close();
  }
  return file;
}

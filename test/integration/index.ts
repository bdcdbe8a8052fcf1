// The tests module both extension hosts load (testing.md §2.6): code-server through the payload
// URL (test/host/run-host-tests.ts) and desktop VS Code through @vscode/test-electron
// (test/host/run-electron-tests.ts). Mocha's reporter writes with console.log, which reaches the
// runner through the workbench's codeAutomationLog.
import Mocha from 'mocha';
import { readdirSync } from 'node:fs';
import path from 'node:path';

// Mocha colours its ✔/✖ symbols with picocolors when the module loads, whenever CI is set,
// whatever the `color` option says; keep the log plain.
Mocha.reporters.Base.symbols.ok = '✔';
Mocha.reporters.Base.symbols.err = '✖';

export function run(): Promise<void> {
  const grep = process.env['FLOPS_HOST_GREP'];
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: 60_000,
    ...(grep !== undefined && grep !== '' ? { grep } : {}),
  });
  // `npm run bench` sets FLOPS_TEST_SUITE=bench to run the *.bench.js measurements instead of the tests.
  const suffix = process.env['FLOPS_TEST_SUITE'] === 'bench' ? '.bench.js' : '.test.js';
  const files = readdirSync(__dirname, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(suffix))
    .sort();
  for (const name of files) mocha.addFile(path.join(__dirname, name));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      if (failures > 0) reject(new Error(`${failures} tests failed`));
      else resolve();
    });
  });
}

import { ensureTestPython } from './python-env';

/** `npm run test:python`: the cached venv with the real ML stack (python-env.ts), before the unit tests. */
const started = Date.now();
try {
  const python = ensureTestPython((line) => console.log(`[python] ${line}`));
  console.log(`[python] ${python} ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  console.error(`[python] ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}

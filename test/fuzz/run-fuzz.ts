import { PythonPool } from '../../extension/io/python-pool';
import { distDir } from '../unit/repo-paths';
import { fuzzLint } from './lint-fuzz';

/**
 * `npm run fuzz`: 10,000 generated repositories through the linter (FLOPS_FUZZ_RUNS, FLOPS_FUZZ_SEED
 * to change; FLOPS_FUZZ_PATH with the seed replays a reported failure), then the counts. Exit 1 with fast-check's reproducer on the first failure.
 */
async function main(): Promise<void> {
  const numRuns = Number(process.env['FLOPS_FUZZ_RUNS'] ?? 10_000);
  const seed = Number(process.env['FLOPS_FUZZ_SEED'] ?? 20261203);
  const analyzer = new PythonPool({ wasmDir: distDir });
  const started = Date.now();
  try {
    const counts = await fuzzLint({
      numRuns,
      seed,
      // FLOPS_FUZZ_PATH replays one failure: the seed and path fast-check printed.
      ...(process.env['FLOPS_FUZZ_PATH'] !== undefined ? { path: process.env['FLOPS_FUZZ_PATH'] } : {}),
      analyzer,
      cliEvery: Number(process.env['FLOPS_FUZZ_CLI_EVERY'] ?? 20),
      onProgress: (c) => process.stdout.write(`[fuzz] ${c.inputs} inputs, ${c.crashes} crashes, ${c.hangs} hangs (${Math.round((Date.now() - started) / 1000)} s)\n`),
    });
    process.stdout.write(
      `[fuzz] seed ${seed}: ${counts.inputs} inputs (${counts.cliRuns} also through the CLI), ${counts.crashes} crashes, ${counts.hangs} hangs, ${counts.outsideReads} reads outside the repository, ${counts.invalidOutput} invalid outputs; slowest input ${Math.round(counts.slowestMs)} ms, peak RSS ${Math.round(counts.peakRssMb)} MB, ${Math.round((Date.now() - started) / 1000)} s\n`,
    );
  } finally {
    analyzer.dispose();
  }
}

main().catch((error: unknown) => {
  // fast-check's report starts with the seed and path that reproduce the failure; the shrunk case can
  // still be megabytes of text, so it is cut in the middle.
  // fast-check 4 keeps the property's own error as the cause.
  const cause = error instanceof Error && error.cause instanceof Error ? `\nCause: ${error.cause.message}` : '';
  const message = `${error instanceof Error ? error.message : String(error)}${cause}`;
  process.stderr.write(`${message.length > 6000 ? `${message.slice(0, 3000)}\n[… ${message.length - 4500} characters …]\n${message.slice(-1500)}` : message}\n`);
  process.exitCode = 1;
});

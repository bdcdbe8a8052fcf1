import assert from 'node:assert/strict';
import { fuzzLint } from '../../fuzz/lint-fuzz';
import { pool } from '../lint-fixture';

/** The fuzz suite's small budget in `npm test` (`npm run fuzz` runs 10,000 inputs). */
describe('fuzzed repositories (small budget)', function () {
  this.timeout(600_000);
  it('never crash the linter or validate, give valid JSON/SARIF, stay bounded and read nothing outside the repository', async () => {
    const runs = Number(process.env['FLOPS_FUZZ_TEST_RUNS'] ?? 60);
    const counts = await fuzzLint({ numRuns: runs, seed: 13, analyzer: pool, cliEvery: 6 }).catch((error: unknown) => {
      // The shrunk case can be megabytes: keep fast-check's seed, path and the error, cut the middle.
      const cause = error instanceof Error && error.cause instanceof Error ? `\nCause: ${error.cause.message}` : '';
      const message = `${error instanceof Error ? error.message : String(error)}${cause}`;
      throw new Error(message.length > 6000 ? `${message.slice(0, 3000)}\n[…]\n${message.slice(-1500)}` : message);
    });
    assert.equal(counts.inputs, runs);
    assert.equal(counts.cliRuns, Math.ceil(runs / 6));
    assert.deepEqual([counts.crashes, counts.hangs, counts.outsideReads, counts.invalidOutput], [0, 0, 0, 0]);
  });
});

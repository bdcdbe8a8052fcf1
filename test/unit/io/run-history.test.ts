import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readRunRecords } from '../../../extension/io/run-history';

describe('readRunRecords', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'flops-runs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a record it cannot read or parse instead of skipping it silently, and reads the rest', async () => {
    const record = {
      v: 1, runId: 'r1', repo: '/r', owner: '1@h', startedAt: 5, image: '', config: { learners: 2, rounds: 1, strategy: 'FedAvg', profiles: [] },
      rounds: [{ round: 1, rounds: 1, strategy: 'FedAvg', train: null, evaluate: null, nodes: { train: 2, evaluate: 2 }, timeMs: 1 }], failures: [], outcome: 'succeeded',
    };
    writeFileSync(path.join(dir, 'r1.json'), JSON.stringify(record));
    writeFileSync(path.join(dir, 'cut.json'), '{"v":1,"runId":');
    mkdirSync(path.join(dir, 'folder.json'));
    const problems: string[] = [];
    const records = await readRunRecords(dir, () => true, (p) => problems.push(p));
    assert.deepEqual(records.map((r) => r.runId), ['r1']);
    assert.deepEqual(records[0]?.rounds[0]?.failures, { train: 0, evaluate: 0 }, 'a record from before "failures" reads as none');
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('Skipped') && p.includes('cut.json')));
    assert.ok(problems.some((p) => p.startsWith('Could not read') && p.includes('folder.json') && /EISDIR/.test(p)));
    assert.deepEqual(await readRunRecords(path.join(dir, 'missing'), () => true), []);
  });
});

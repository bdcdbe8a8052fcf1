import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { distDir, repoRoot } from '../repo-paths';

/** `flops validate` end to end: the built dist/cli.js in a child process. */

interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface JsonReport {
  findings: { rule: string; severity: string; file: string; line: number; column: number; message: string }[];
}

function validate(args: readonly string[], cwd = repoRoot): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(distDir, 'cli.js'), 'validate', ...args], { cwd, timeout: 15_000, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

describe('flops validate', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'flops-validate-'));
    mkdirSync(path.join(dir, 'data'));
    writeFileSync(path.join(dir, 'data', 'train.csv'), 'label\n1\n');
    writeFileSync(path.join(dir, 'flops.json'), JSON.stringify({ simulation: { dataset: { file: 'data/train.csv' } } }));
    writeFileSync(path.join(dir, 'missing-data.json'), JSON.stringify({ ml_model_flavor: 'sklearn', simulation: { dataset: { file: 'data/test.csv' } } }));
    writeFileSync(path.join(dir, 'broken.json'), '{\n  "verbose": true,\n  "target": "generated",\n}\n');
    writeFileSync(path.join(dir, 'binary.json'), Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    writeFileSync(path.join(dir, 'huge.sla.json'), `{"x": "${'a'.repeat(2 * 1024 * 1024)}"}`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 on a valid project file', async () => {
    const r = await validate(['examples/mnist-sklearn/flops.json']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /No problems found/);
  });

  it('reports an SLA with the lint findings shape and exits 1 on errors', async () => {
    const r = await validate(['test/fixtures/sla/oakestra-flawed-2.sla.json', '--format', 'json']);
    assert.equal(r.status, 1, r.stderr);
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.deepEqual(Object.keys(report), ['findings']);
    for (const f of report.findings) assert.deepEqual(Object.keys(f), ['rule', 'severity', 'file', 'line', 'column', 'message']);
    const port = report.findings.find((f) => /port must be a string/.test(f.message));
    assert.deepEqual(port && [port.rule, port.severity, port.file, port.line, port.column], ['flops/sla-schema', 'error', 'test/fixtures/sla/oakestra-flawed-2.sla.json', 17, 11]);
  });

  it('exits 0 with warnings only', async () => {
    const r = await validate(['test/fixtures/sla/lint-layer.sla.json']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /warning .*\[flops\/sla-address\]/);
  });

  it('checks the dataset file relative to the project file', async () => {
    assert.equal((await validate([path.join(dir, 'flops.json')])).status, 0);
    const r = await validate(['missing-data.json', '--format', 'json'], dir);
    assert.equal(r.status, 1);
    assert.deepEqual(
      (JSON.parse(r.stdout) as JsonReport).findings.map((f) => [f.file, f.line, f.message]),
      [['missing-data.json', 1, 'simulation.dataset.file "data/test.csv" does not exist (relative to the folder of flops.json); the local simulation cannot load its data.']],
    );
  });

  it('locates invalid JSON', async () => {
    const r = await validate(['broken.json'], dir);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^broken\.json:4:1 error broken\.json is not valid JSON: a trailing comma is not allowed/m);
  });

  it('reports binary and huge files as findings, not crashes', async () => {
    const binary = await validate(['binary.json'], dir);
    assert.equal(binary.status, 1);
    assert.match(binary.stdout, /not UTF-8 text/);
    const huge = await validate(['huge.sla.json', '--format', 'json'], dir);
    assert.equal(huge.status, 1);
    assert.deepEqual((JSON.parse(huge.stdout) as JsonReport).findings.map((f) => f.rule), ['flops/sla-schema']);
  });

  it('exits 2 on a missing file, a folder, a bad format or a missing argument', async () => {
    for (const args of [['nope.json'], ['.'], ['flops.json', '--format', 'sarif'], [], ['a.json', 'b.json']]) {
      const r = await validate(args, dir);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /^flops: /);
    }
  });
});

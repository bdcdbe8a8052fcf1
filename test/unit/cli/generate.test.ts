import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixturesDir } from '../repo-paths';
import { cli } from './run-cli';

/** `flops generate` end to end: the built dist/cli.js in a child process, on copies of fixture repos. */

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`])).sort();
}

function snapshot(dir: string): Map<string, string> {
  return new Map(listFiles(dir).map((p) => [p, readFileSync(path.join(dir, p), 'utf8')]));
}

describe('flops generate (CLI)', () => {
  let work: string;
  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'flops-generate-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  function copyFixture(name: string, as = name): string {
    const target = path.join(work, as);
    cpSync(path.join(fixturesDir, name), target, { recursive: true });
    return target;
  }

  for (const [fixture, flavor] of [
    ['ready-sklearn', 'sklearn'],
    ['ready-pytorch', 'pytorch'],
  ] as const) {
    it(`writes .flops/ for ${fixture} and regenerates byte-identically, touching nothing`, async () => {
      const repo = copyFixture(fixture);
      const first = await cli(['generate', repo], work);
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, new RegExp(`Flower 1\\.27\\.0, FedAvg, ${flavor}, dependencies from conda\\.yaml`));
      const out = path.join(repo, '.flops');
      const files = snapshot(out);
      assert.ok(files.has('flops_app/adapter.py') && files.has('pyproject.toml') && files.has('manifest.json'));
      const past = new Date('2020-01-01T00:00:00Z');
      for (const p of files.keys()) utimesSync(path.join(out, p), past, past);

      const second = await cli(['generate', repo], work);
      assert.equal(second.status, 0, second.stderr);
      assert.match(second.stdout, /0 created, 0 updated, \d+ unchanged/);
      assert.deepEqual(snapshot(out), files);
      for (const p of files.keys()) assert.equal(statSync(path.join(out, p)).mtimeMs, past.getTime(), `${p} was rewritten`);

      // A fresh generation of a copy elsewhere (same folder name: the app name follows it) is byte-identical.
      const twin = copyFixture(fixture, path.join('twin', fixture));
      assert.equal((await cli(['generate', twin], work)).status, 0);
      assert.deepEqual(snapshot(path.join(twin, '.flops')), files);

      // The repo still lints clean with .flops/ inside it.
      const lint = await cli(['lint', repo], work);
      assert.equal(lint.status, 0, lint.stdout);
    });
  }

  it('keeps an edited file, reports it (exit 1), and --check reports drift', async () => {
    const repo = copyFixture('ready-sklearn', 'edited');
    assert.equal((await cli(['generate', repo], work)).status, 0);
    assert.equal((await cli(['generate', repo, '--check'], work)).status, 0);
    const adapter = path.join(repo, '.flops/flops_app/adapter.py');
    writeFileSync(adapter, `${readFileSync(adapter, 'utf8')}# my tweak\n`);
    const check = await cli(['generate', repo, '--check'], work);
    assert.equal(check.status, 1);
    assert.match(check.stdout, /edited\s+\S*adapter\.py/);
    const again = await cli(['generate', repo], work);
    assert.equal(again.status, 1);
    assert.match(again.stdout, /kept \(edited\)\s+\S*adapter\.py/);
    assert.match(again.stderr, /--overwrite/);
    assert.match(readFileSync(adapter, 'utf8'), /# my tweak\n$/);
    const overwrite = await cli(['generate', repo, '--overwrite'], work);
    assert.equal(overwrite.status, 0, overwrite.stderr);
    assert.doesNotMatch(readFileSync(adapter, 'utf8'), /my tweak/);
  });

  it('refuses a repo with lint errors, printing them; --force overrides', async () => {
    const repo = copyFixture('mlflow-import');
    const refused = await cli(['generate', repo], work);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /\[flops\/mlflow-import\]/);
    assert.match(refused.stderr, /refusing to generate: lint reports 1 error/);
    assert.ok(!existsSync(path.join(repo, '.flops')));
    const forced = await cli(['generate', repo, '--force'], work);
    assert.equal(forced.status, 0, forced.stderr);
    assert.ok(existsSync(path.join(repo, '.flops/flops_app/server_app.py')));
  });

  it('explains a missing dependencies file, an unsupported flavor and an unknown strategy', async () => {
    const noDeps = await cli(['generate', copyFixture('conda-missing'), '--force'], work);
    assert.equal(noDeps.status, 1);
    assert.match(noDeps.stderr, /No dependencies file/);

    const tf = await cli(['generate', copyFixture('unsupported-flavor-tensorflow'), '--force'], work);
    assert.equal(tf.status, 1);
    assert.match(tf.stderr, /Unsupported flavor "tensorflow".*keras/);

    const repo = copyFixture('ready-sklearn', 'unknown-strategy');
    const projectFile = path.join(repo, 'flops.json');
    const project = JSON.parse(readFileSync(projectFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(projectFile, JSON.stringify({ ...project, flower: { strategy: { name: 'FedNope' } } }));
    const strategy = await cli(['generate', repo, '--force'], work);
    assert.equal(strategy.status, 1);
    assert.match(strategy.stderr, /Unknown strategy "FedNope".*FedAvg, FedProx/);
    assert.ok(!existsSync(path.join(repo, '.flops')));
  });

  it('writes to --out and reports usage errors with exit code 2', async () => {
    const repo = copyFixture('ready-sklearn', 'custom-out');
    const result = await cli(['generate', repo, '--out', 'build/fl'], work);
    assert.equal(result.status, 0, result.stderr);
    assert.ok(existsSync(path.join(repo, 'build/fl/flops_app/client_app.py')));
    assert.equal((await cli(['generate', repo, '--bogus'], work)).status, 2);
    assert.equal((await cli(['generate', repo, repo], work)).status, 2);
    assert.equal((await cli(['generate', repo, '--out', '.'], work)).status, 2);
    assert.equal((await cli(['generate', path.join(work, 'does-not-exist')], work)).status, 2);
  });
});

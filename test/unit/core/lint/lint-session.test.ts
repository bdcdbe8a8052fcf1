import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FlError } from '../../../../extension/core/errors';
import type { Finding } from '../../../../extension/core/findings/finding';
import { LintSession } from '../../../../extension/core/lint/lint-session';
import { FsRepoReader } from '../../../../extension/io/repo-reader';
import { FakeCountingAnalyzer } from '../../fakes/fake-counting-analyzer';
import { pool } from '../../lint-fixture';
import { fixturesDir } from '../../repo-paths';

const isCancelled = (error: unknown): boolean => error instanceof FlError && error.kind === 'cancelled';
const show = (findings: readonly Finding[]): string[] => findings.map((f) => `${f.rule} ${f.file}:${f.range.start.line + 1}`);

describe('LintSession', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'flops-session-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  let copies = 0;
  /** A private copy of a fixture, a session over it, and the analyzer that counts what it parses. */
  function sessionOnCopy(fixture: string): { dir: string; session: LintSession; analyzer: FakeCountingAnalyzer } {
    const dir = path.join(scratch, `${fixture}-${copies++}`);
    cpSync(path.join(fixturesDir, fixture), dir, { recursive: true });
    const analyzer = new FakeCountingAnalyzer(pool);
    return { dir, session: new LintSession({ reader: new FsRepoReader(dir), analyzer }), analyzer };
  }

  it('outlines every Python file once on a cold lint, and parses the files rules inspect in full once', async () => {
    const { session, analyzer } = sessionOnCopy('reserved-file');
    await session.lint();
    const calls = analyzer.take();
    assert.deepEqual(
      calls.filter((c) => c.startsWith('outline ')),
      ['outline data_manager.py', 'outline main.py', 'outline model_manager.py', 'outline utils/__init__.py'],
    );
    // main.py imports model_manager, but nothing FLOps loads imports main.py or utils: outline is enough.
    assert.deepEqual(calls.filter((c) => c.startsWith('full ')), ['full data_manager.py', 'full model_manager.py']);
  });

  it('re-parses only the file named in invalidate(paths), and sees its change', async () => {
    const { dir, session, analyzer } = sessionOnCopy('reserved-file');
    const before = await session.lint();
    assert.ok(!before.some((f) => f.rule === 'flops/python-syntax'), show(before).join('\n'));
    analyzer.take();

    appendFileSync(path.join(dir, 'model_manager.py'), '\ndef broken(:\n    pass\n');
    session.invalidate(['model_manager.py']);
    const after = await session.lint();
    assert.deepEqual(analyzer.take(), ['full model_manager.py']);
    assert.ok(after.some((f) => f.rule === 'flops/python-syntax' && f.file === 'model_manager.py'), show(after).join('\n'));
  });

  it('re-parses an invalidated file that rules do not inspect at outline detail only', async () => {
    const { dir, session, analyzer } = sessionOnCopy('reserved-file');
    await session.lint();
    analyzer.take();
    appendFileSync(path.join(dir, 'main.py'), '\nVALUE = 1\n');
    session.invalidate(['main.py']);
    await session.lint();
    assert.deepEqual(analyzer.take(), ['outline main.py']);
  });

  it('parses nothing again when nothing was invalidated, or when an invalidated file did not change', async () => {
    const { dir, session, analyzer } = sessionOnCopy('reserved-file');
    const first = await session.lint();
    analyzer.take();
    assert.deepEqual(show(await session.lint()), show(first));
    assert.deepEqual(analyzer.take(), []);
    session.invalidate(['model_manager.py', 'main.py']);
    await session.lint();
    assert.deepEqual(analyzer.take(), [], 'unchanged text must not be parsed again');
    // A change nobody reported stays unseen until it is invalidated: the session trusts its caller.
    appendFileSync(path.join(dir, 'model_manager.py'), '\ndef broken(:\n    pass\n');
    assert.deepEqual(show(await session.lint()), show(first));
    assert.deepEqual(analyzer.take(), []);
  });

  it('re-reads the listing on invalidate() without paths, so new files appear', async () => {
    const { dir, session, analyzer } = sessionOnCopy('ready-sklearn');
    const first = await session.lint();
    assert.ok(!first.some((f) => f.rule === 'flops/reserved-file'), show(first).join('\n'));
    writeFileSync(path.join(dir, 'main.py'), 'print("hello")\n');
    analyzer.take();

    assert.ok(!(await session.lint()).some((f) => f.rule === 'flops/reserved-file'), 'the listing is cached until invalidate()');
    assert.deepEqual(analyzer.take(), []);

    session.invalidate();
    const after = await session.lint();
    assert.ok(after.some((f) => f.rule === 'flops/reserved-file' && f.file === 'main.py'), show(after).join('\n'));
    assert.ok(analyzer.take().some((c) => c.endsWith(' main.py')), 'main.py was not parsed');
  });

  it('drops a deleted file after invalidate()', async () => {
    const { dir, session } = sessionOnCopy('reserved-file');
    assert.ok((await session.lint()).some((f) => f.file === 'main.py'));
    rmSync(path.join(dir, 'main.py'));
    session.invalidate();
    assert.ok(!(await session.lint()).some((f) => f.file === 'main.py'));
  });

  it('throws FlError cancelled for an already aborted signal, before parsing anything', async () => {
    const { session, analyzer } = sessionOnCopy('ready-sklearn');
    await assert.rejects(session.lint({ signal: AbortSignal.abort() }), isCancelled);
    assert.deepEqual(analyzer.take(), []);
  });

  it('throws FlError cancelled when the signal aborts while files are being parsed', async () => {
    const dir = path.join(scratch, `abort-${copies++}`);
    cpSync(path.join(fixturesDir, 'ready-sklearn'), dir, { recursive: true });
    const controller = new AbortController();
    const analyzer = new FakeCountingAnalyzer(pool, () => controller.abort());
    const session = new LintSession({ reader: new FsRepoReader(dir), analyzer });
    await assert.rejects(session.lint({ signal: controller.signal }), isCancelled);
    // A cancelled lint leaves nothing half-done behind: the same session lints again, and right.
    const findings = await session.lint();
    assert.deepEqual(show(findings.filter((f) => f.severity !== 'info')), []);
  });

  it('still re-parses an invalidated file after a lint that was cancelled before parsing it', async () => {
    const dir = path.join(scratch, `abort-invalidated-${copies++}`);
    cpSync(path.join(fixturesDir, 'reserved-file'), dir, { recursive: true });
    let controller: AbortController | undefined;
    const analyzer = new FakeCountingAnalyzer(pool, () => controller?.abort());
    const session = new LintSession({ reader: new FsRepoReader(dir), analyzer });
    await session.lint();

    appendFileSync(path.join(dir, 'model_manager.py'), '\ndef broken(:\n    pass\n');
    session.invalidate(['model_manager.py']);
    controller = new AbortController();
    await assert.rejects(session.lint({ signal: controller.signal }), isCancelled);
    controller = undefined;
    analyzer.take();

    const after = await session.lint();
    assert.deepEqual(analyzer.take(), ['full model_manager.py']);
    assert.ok(after.some((f) => f.rule === 'flops/python-syntax' && f.file === 'model_manager.py'), show(after).join('\n'));
  });
});

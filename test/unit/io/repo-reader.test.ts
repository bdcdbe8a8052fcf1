import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FlError } from '../../../extension/core/errors';
import type { ReadResult } from '../../../extension/core/ports';
import { decodeSource, FsRepoReader } from '../../../extension/io/repo-reader';
import { isRoot, skipWithReason } from '../skip-with-reason';

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

function textOf(result: ReadResult): string {
  assert.equal(result.kind, 'text', result.kind === 'unreadable' ? `unreadable: ${result.reason}` : '');
  return result.kind === 'text' ? result.text : '';
}

function reasonOf(result: ReadResult): string {
  assert.equal(result.kind, 'unreadable', 'expected the file to be unreadable');
  return result.kind === 'unreadable' ? result.reason : '';
}

/** Writes `files` (relative path → content) below `root`, creating folders. */
function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
}

describe('decodeSource', () => {
  it('decodes plain UTF-8, non-ASCII included', () => {
    assert.equal(textOf(decodeSource(bytes('name = "café ☕"\n'))), 'name = "café ☕"\n');
  });

  it('drops a UTF-8 byte order mark', () => {
    assert.equal(textOf(decodeSource(bytes([0xef, 0xbb, 0xbf], 'x = 1\n'))), 'x = 1\n');
  });

  it('rejects a file with NUL bytes as binary', () => {
    assert.match(reasonOf(decodeSource(bytes('x = 1\n', [0x00, 0x01, 0x02], 'y = 2\n'))), /binary file/);
  });

  it('rejects invalid UTF-8 when no coding is declared, naming the fix', () => {
    assert.match(reasonOf(decodeSource(bytes('name = "caf', [0xe9], '"\n'))), /not valid UTF-8.*declares a coding/);
  });

  it('rejects invalid UTF-8 when utf-8 is declared', () => {
    assert.match(reasonOf(decodeSource(bytes('# coding: utf-8\nname = "caf', [0xe9], '"\n'))), /not valid UTF-8/);
  });

  it('honours an Emacs-style latin-1 coding line (the spelling PEP 263 uses)', () => {
    const text = textOf(decodeSource(bytes('# -*- coding: latin-1 -*-\nname = "caf', [0xe9], '"\n')));
    assert.match(text, /name = "café"/);
  });

  it('honours other spellings Python accepts: latin_1, iso-8859-1, ISO_8859_1, utf_8', () => {
    for (const name of ['latin_1', 'iso-8859-1', 'ISO_8859_1']) {
      assert.match(textOf(decodeSource(bytes(`# coding: ${name}\nname = "caf`, [0xe9], '"\n'))), /café/, name);
    }
    assert.match(textOf(decodeSource(bytes('# coding=utf_8\nname = "café"\n'))), /café/);
  });

  it('honours a vim-style declaration on the second line, after a shebang', () => {
    const text = textOf(decodeSource(bytes('#!/usr/bin/env python\n# vim: set fileencoding=iso-8859-15 :\nprice = "', [0xa4], '"\n')));
    assert.match(text, /price = "€"/);
  });

  it('ignores a coding line below the first two lines (PEP 263)', () => {
    assert.match(reasonOf(decodeSource(bytes('x = 1\ny = 2\n# coding: latin-1\nname = "caf', [0xe9], '"\n'))), /not valid UTF-8/);
  });

  it('reports an unknown encoding by the name the file declares', () => {
    assert.equal(reasonOf(decodeSource(bytes('# coding: klingon\nx = 1\n'))), 'declares an unknown encoding "klingon"');
  });
});

describe('FsRepoReader', () => {
  let scratch = '';
  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'flops-reader-'));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  /** A fresh folder per test, so that listings do not see each other's files. */
  let dirCount = 0;
  const freshDir = (files: Record<string, string> = {}): string => {
    const dir = path.join(scratch, `repo-${dirCount++}`);
    mkdirSync(dir);
    writeTree(dir, files);
    return dir;
  };

  describe('open', () => {
    it('accepts a folder and keeps its absolute path', async () => {
      const dir = freshDir({ 'model_manager.py': 'x = 1\n' });
      const reader = await FsRepoReader.open(path.relative(process.cwd(), dir));
      assert.equal(reader.root, dir);
    });

    it('rejects a folder that does not exist with invalidInput', async () => {
      const missing = path.join(scratch, 'no-such-folder');
      await assert.rejects(FsRepoReader.open(missing), (error: unknown) => {
        assert.ok(error instanceof FlError);
        assert.equal(error.kind, 'invalidInput');
        assert.equal(error.message, `${missing} does not exist.`);
        return true;
      });
    });

    it('rejects a file with invalidInput, asking for the folder', async () => {
      const file = path.join(freshDir({ 'a.py': '' }), 'a.py');
      await assert.rejects(FsRepoReader.open(file), (error: unknown) => {
        assert.ok(error instanceof FlError);
        assert.equal(error.kind, 'invalidInput');
        assert.match(error.message, /is a file; give the folder/);
        return true;
      });
    });

    it('rejects a folder it may not list', async function () {
      if (isRoot()) skipWithReason(this, 'running as root, which lists every folder whatever its mode bits');
      const dir = freshDir();
      chmodSync(dir, 0o000);
      try {
        await assert.rejects(FsRepoReader.open(dir), (error: unknown) => error instanceof FlError && error.kind === 'invalidInput' && /cannot be (listed|read)/.test(error.message));
      } finally {
        chmodSync(dir, 0o755);
      }
    });
  });

  describe('list', () => {
    it('lists files and folders sorted, with sizes, skipping VCS data, caches and virtual environments', async () => {
      const dir = freshDir({
        'model_manager.py': 'x = 1\n',
        'pkg/__init__.py': '',
        'pkg/helpers.py': 'def f():\n    pass\n',
        '.git/config': '[core]\n',
        'node_modules/left-pad/index.js': '',
        '__pycache__/model_manager.cpython-310.pyc': 'bytecode',
        'pkg/__pycache__/helpers.cpython-310.pyc': 'bytecode',
        '.venv/lib/python3.10/site.py': 'x = 1\n',
      });
      const listing = await new FsRepoReader(dir).list();
      assert.deepEqual(listing.entries, [
        { path: 'model_manager.py', kind: 'file', size: 6 },
        { path: 'pkg', kind: 'dir', size: 0 },
        { path: 'pkg/__init__.py', kind: 'file', size: 0 },
        { path: 'pkg/helpers.py', kind: 'file', size: 18 },
      ]);
      assert.deepEqual(listing.problems, []);
    });

    it('counts a link to a file as a file, does not follow a link to a folder, and reports broken links', async () => {
      const dir = freshDir({ 'real/model_manager.py': 'x = 1\n', 'data_manager.py': 'y = 2\n' });
      symlinkSync('data_manager.py', path.join(dir, 'linked.py'));
      symlinkSync('real', path.join(dir, 'linked-dir'));
      symlinkSync('.', path.join(dir, 'real/loop'));
      symlinkSync('does-not-exist.py', path.join(dir, 'broken.py'));
      const listing = await new FsRepoReader(dir).list();
      assert.deepEqual(
        listing.entries.map((e) => `${e.kind} ${e.path} ${e.size}`),
        ['file data_manager.py 6', 'file linked.py 6', 'dir real 0', 'file real/model_manager.py 6'],
      );
      assert.deepEqual(
        [...listing.problems].sort((a, b) => (a.path < b.path ? -1 : 1)),
        [
          { path: 'broken.py', message: 'broken link' },
          { path: 'linked-dir', message: 'link to a folder, not followed' },
          { path: 'real/loop', message: 'link to a folder, not followed' },
        ],
      );
    });

    it('stops at maxEntries and says so', async () => {
      const files: Record<string, string> = {};
      for (let i = 0; i < 10; i++) files[`m${i}.py`] = '';
      const dir = freshDir(files);
      const listing = await new FsRepoReader(dir, { maxEntries: 3 }).list();
      assert.equal(listing.entries.length, 3);
      assert.deepEqual(listing.problems, [{ path: '', message: 'listing stopped after 3 entries' }]);
    });

    it('reports a folder it may not list as a problem and lists the rest', async function () {
      if (isRoot()) skipWithReason(this, 'running as root, which lists every folder whatever its mode bits');
      const dir = freshDir({ 'a.py': '', 'locked/b.py': '' });
      chmodSync(path.join(dir, 'locked'), 0o000);
      try {
        const listing = await new FsRepoReader(dir).list();
        assert.deepEqual(listing.entries.map((e) => e.path), ['a.py', 'locked']);
        assert.equal(listing.problems[0]?.path, 'locked');
      } finally {
        chmodSync(path.join(dir, 'locked'), 0o755);
      }
    });

    it('throws FlError cancelled for an aborted signal', async () => {
      const dir = freshDir({ 'a.py': '' });
      await assert.rejects(new FsRepoReader(dir).list(AbortSignal.abort()), (error: unknown) => error instanceof FlError && error.kind === 'cancelled');
    });
  });

  describe('readText', () => {
    it('reads a file, and a file through a link', async () => {
      const dir = freshDir({ 'pkg/helpers.py': 'def f():\n    return 1\n' });
      symlinkSync('pkg/helpers.py', path.join(dir, 'linked.py'));
      const reader = new FsRepoReader(dir);
      assert.equal(textOf(await reader.readText('pkg/helpers.py')), 'def f():\n    return 1\n');
      assert.equal(textOf(await reader.readText('linked.py')), 'def f():\n    return 1\n');
    });

    it('never reads through a link that leaves the repository: a linked file, or a file below a linked folder', async () => {
      const outside = freshDir({ 'secret.py': 'SECRET = 1\n' });
      const dir = freshDir({ 'model_manager.py': 'x = 1\n' });
      symlinkSync(path.join(outside, 'secret.py'), path.join(dir, 'data_manager.py'));
      symlinkSync(outside, path.join(dir, 'linked'));
      // A root reached through a link is still inside itself.
      const viaLink = path.join(scratch, `root-link-${dirCount++}`);
      symlinkSync(dir, viaLink);
      for (const reader of [new FsRepoReader(dir), new FsRepoReader(viaLink)]) {
        assert.match(reasonOf(await reader.readText('data_manager.py')), /^a link to .*secret\.py, outside the repository; FLOps builds from a git clone/);
        assert.match(reasonOf(await reader.readText('linked/secret.py')), /outside the repository/);
        assert.equal(textOf(await reader.readText('model_manager.py')), 'x = 1\n');
        const listing = await reader.list();
        assert.deepEqual(listing.entries.map((e) => e.path), ['model_manager.py']);
        assert.deepEqual(listing.problems.map((p) => [p.path, p.kind]), [['data_manager.py', 'outsideLink'], ['linked', undefined]]);
      }
    });

    it('refuses a file larger than maxFileBytes, giving both sizes', async () => {
      const dir = freshDir({ 'big.py': 'x = 1\n'.repeat(500) });
      const reason = reasonOf(await new FsRepoReader(dir, { maxFileBytes: 1024 }).readText('big.py'));
      assert.equal(reason, 'too large to lint (3 KiB; the limit is 1 KiB)');
    });

    it('reads a file exactly at the limit', async () => {
      const dir = freshDir({ 'edge.py': 'x'.repeat(1024) });
      assert.equal(textOf(await new FsRepoReader(dir, { maxFileBytes: 1024 }).readText('edge.py')).length, 1024);
    });

    it('returns unreadable, not an exception, for a missing file, a folder and an undecodable file', async () => {
      const dir = freshDir({ 'pkg/a.py': '' });
      writeFileSync(path.join(dir, 'latin.py'), bytes('name = "caf', [0xe9], '"\n'));
      const reader = new FsRepoReader(dir);
      assert.equal(reasonOf(await reader.readText('gone.py')), 'cannot be read (ENOENT)');
      assert.equal(reasonOf(await reader.readText('pkg')), 'not a regular file');
      assert.match(reasonOf(await reader.readText('latin.py')), /not valid UTF-8/);
    });

    it('reports a file it may not read as permission denied', async function () {
      if (isRoot()) skipWithReason(this, 'running as root, which reads every file whatever its mode bits');
      const dir = freshDir({ 'secret.py': 'x = 1\n' });
      chmodSync(path.join(dir, 'secret.py'), 0o000);
      assert.equal(reasonOf(await new FsRepoReader(dir).readText('secret.py')), 'permission denied');
    });

    it('throws FlError cancelled for an aborted signal', async () => {
      const dir = freshDir({ 'a.py': '' });
      await assert.rejects(new FsRepoReader(dir).readText('a.py', AbortSignal.abort()), (error: unknown) => error instanceof FlError && error.kind === 'cancelled');
    });
  });
});

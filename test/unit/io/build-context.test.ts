import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FlError } from '../../../extension/core/errors';
import { imageTag, listBuildContext } from '../../../extension/io/build-context';

/** Writes `files` (relative path → content) below `root`, creating folders. */
function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
}

describe('build context', () => {
  let scratch = '';
  let repo = '';
  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'flops-context-'));
    repo = path.join(scratch, 'repo');
    mkdirSync(repo);
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  describe('listBuildContext', () => {
    it('leaves out VCS data, caches, virtual environments and our run output, wherever they are', async () => {
      writeTree(repo, {
        'model_manager.py': 'x = 1\n',
        'pkg/train.py': 'y = 2\n',
        'pkg/__pycache__/train.cpython-311.pyc': 'c',
        'pkg/stale.pyc': 'c',
        '.git/HEAD': 'ref: refs/heads/main\n',
        'sub/.git/config': '',
        '.venv/bin/python': '',
        'venv/lib/site.py': '',
        'web/node_modules/x/index.js': '',
        '.mypy_cache/3.11/x.json': '',
        '.pytest_cache/v/cache': '',
        'notebooks/.ipynb_checkpoints/a-checkpoint.ipynb': '',
        'notebooks/a.ipynb': '{}',
        '.flops/Dockerfile': 'FROM x\n',
        '.flops/app/server_app.py': '',
        '.flops/output/model.npz': 'weights',
        '.flops/runs/r1/log.txt': 'log',
        '.flops/deployments/127.0.0.1-10000.json': '{}',
        '.flops/flops.sla.json': '{}',
        // Only the top-level .flops/output is ours; a user folder of that name elsewhere is kept.
        'data/output/keep.csv': 'a,b\n',
      });
      assert.deepEqual(await listBuildContext(repo), [
        '.flops/Dockerfile',
        '.flops/app/server_app.py',
        'data/output/keep.csv',
        'model_manager.py',
        'notebooks/a.ipynb',
        'pkg/train.py',
      ]);
    });

    it('honours .dockerignore, including ! re-includes below an excluded folder', async () => {
      writeTree(repo, {
        '.dockerignore': '# data stays out of the image\ndata\n*.csv\n!keep.csv\ndocs/**\n!docs/README.md\n\n',
        'data/big.bin': 'x',
        'data/raw/more.bin': 'x',
        'a.csv': '1',
        'keep.csv': '1',
        'sub/b.csv': '1',
        'docs/guide/intro.md': '#',
        'docs/README.md': '#',
        'main.py': '',
      });
      // `*.csv` matches the top folder only (Docker semantics, unlike .gitignore), so sub/b.csv stays.
      assert.deepEqual(await listBuildContext(repo), ['.dockerignore', 'docs/README.md', 'keep.csv', 'main.py', 'sub/b.csv']);
    });

    it('re-includes a file inside a folder that .dockerignore excludes as a whole', async () => {
      writeTree(repo, {
        '.dockerignore': '*\n!src\n!.flops/Dockerfile\n',
        'src/a.py': '',
        'src/deep/b.py': '',
        '.flops/Dockerfile': '',
        '.flops/app/x.py': '',
        'README.md': '',
      });
      assert.deepEqual(await listBuildContext(repo), ['.flops/Dockerfile', 'src/a.py', 'src/deep/b.py']);
    });

    it('lists links as themselves and never walks into a linked folder', async () => {
      writeTree(repo, { 'real/a.py': '', 'b.py': '' });
      symlinkSync(path.join(repo, 'real'), path.join(repo, 'loop'));
      symlinkSync('b.py', path.join(repo, 'link.py'));
      symlinkSync('missing.py', path.join(repo, 'dangling.py'));
      assert.deepEqual(await listBuildContext(repo), ['b.py', 'dangling.py', 'link.py', 'loop', 'real/a.py']);
    });

    it('rejects with kind cancelled when the signal is aborted', async () => {
      writeTree(repo, { 'a.py': '' });
      await assert.rejects(listBuildContext(repo, AbortSignal.abort()), (error: unknown) => error instanceof FlError && error.kind === 'cancelled');
    });

    it('fails naming the folder when the repository does not exist', async () => {
      await assert.rejects(listBuildContext(path.join(scratch, 'missing')), /build context cannot be listed: .*missing \(ENOENT\)/);
    });
  });

  describe('imageTag', () => {
    const tagOf = async (args: Record<string, string> = {}): Promise<string> => imageTag('mnist-sklearn', repo, await listBuildContext(repo), args);

    beforeEach(() => {
      writeTree(repo, {
        'model_manager.py': 'x = 1\n',
        'pkg/train.py': 'y = 2\n',
        '.flops/Dockerfile': 'FROM base\n',
        '.dockerignore': 'data\n',
        'data/train.csv': '1,2\n',
        '.flops/output/model.npz': 'weights',
      });
    });

    it('is flops-<app>:<16 hex> and the same for the same inputs', async () => {
      const first = await tagOf({ BASE_IMAGE: 'b' });
      assert.match(first, /^flops-mnist-sklearn:[0-9a-f]{16}$/);
      assert.equal(await tagOf({ BASE_IMAGE: 'b' }), first);
    });

    it('does not depend on the order build arguments were given in', async () => {
      assert.equal(await tagOf({ A: '1', B: '2' }), await tagOf({ B: '2', A: '1' }));
    });

    it('changes when a file content changes, even at the same size', async () => {
      const before = await tagOf();
      writeFileSync(path.join(repo, 'pkg/train.py'), 'y = 3\n');
      assert.notEqual(await tagOf(), before);
    });

    it('changes when a file is added or renamed', async () => {
      const before = await tagOf();
      writeTree(repo, { 'pkg/extra.py': '' });
      const added = await tagOf();
      assert.notEqual(added, before);
      rmSync(path.join(repo, 'pkg/extra.py'));
      writeTree(repo, { 'pkg/other.py': '' });
      assert.notEqual(await tagOf(), added);
    });

    it('changes when a build argument changes', async () => {
      assert.notEqual(await tagOf({ BASE_IMAGE: 'python:3.11' }), await tagOf({ BASE_IMAGE: 'python:3.12' }));
      assert.notEqual(await tagOf({ PIP_ARGS: '' }), await tagOf());
    });

    it('stays the same when an excluded file changes', async () => {
      const before = await tagOf();
      writeFileSync(path.join(repo, 'data/train.csv'), '3,4\n');
      writeFileSync(path.join(repo, '.flops/output/model.npz'), 'other weights');
      writeTree(repo, { 'pkg/__pycache__/train.cpython-311.pyc': 'c', '.git/HEAD': 'x' });
      assert.equal(await tagOf(), before);
    });

    it('streams files larger than one read chunk', async () => {
      const big = Buffer.alloc(3 * 1024 * 1024, 7);
      writeTree(repo, { 'weights.bin': big });
      const before = await tagOf();
      big[big.length - 1] = 8;
      writeTree(repo, { 'weights.bin': big });
      assert.notEqual(await tagOf(), before);
    });

    it('hashes a link by its target, as the engine receives it', async () => {
      symlinkSync('model_manager.py', path.join(repo, 'link.py'));
      const before = await tagOf();
      rmSync(path.join(repo, 'link.py'));
      symlinkSync('pkg/train.py', path.join(repo, 'link.py'));
      assert.notEqual(await tagOf(), before);
    });

    it('rejects an app name Docker cannot use in an image name', async () => {
      await assert.rejects(imageTag('My App', repo, [], {}), /cannot be part of an image name/);
    });

    it('fails naming the file when a listed file is gone', async () => {
      await assert.rejects(imageTag('app', repo, ['gone.py'], {}), /gone\.py cannot be read for the image tag \(ENOENT\)/);
    });

    it('rejects with kind cancelled when the signal is aborted', async () => {
      await assert.rejects(imageTag('app', repo, ['model_manager.py'], {}, AbortSignal.abort()), (error: unknown) => error instanceof FlError && error.kind === 'cancelled');
    });
  });
});

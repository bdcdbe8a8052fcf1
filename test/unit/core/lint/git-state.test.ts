import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Finding } from '../../../../extension/core/findings/finding';
import { runLint } from '../../../../extension/core/lint/lint-session';
import { SimpleGitInspector } from '../../../../extension/io/git-inspector';
import { FsRepoReader } from '../../../../extension/io/repo-reader';
import { pool } from '../../lint-fixture';
import { fixturesDir } from '../../repo-paths';

/**
 * flops/unpushed-changes needs a real git repository and remote, which a fixture folder cannot hold,
 * so these tests build them in temp folders: a clone of ready-sklearn that targets the add-on, and a
 * bare repository as its origin.
 */

/** Identity and signing are set per call, so the machine's git config cannot change the outcome. */
function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=FLOps Test', '-c', 'user.email=flops-test@example.org', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args],
    { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

async function unpushedFindings(dir: string): Promise<Finding[]> {
  const findings = await runLint({ reader: new FsRepoReader(dir), analyzer: pool, git: new SimpleGitInspector(dir) });
  return findings.filter((f) => f.rule === 'flops/unpushed-changes');
}

/** ready-sklearn with `"target": "flops-addon"`, the only target whose builder clones the remote. */
function copyReadyRepo(dir: string, target: 'flops-addon' | 'generated' = 'flops-addon'): void {
  cpSync(path.join(fixturesDir, 'ready-sklearn'), dir, { recursive: true });
  const config = JSON.parse(readFileSync(path.join(dir, 'flops.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(path.join(dir, 'flops.json'), `${JSON.stringify({ ...config, target }, null, 2)}\n`);
}

describe('flops/unpushed-changes against real git repositories', () => {
  let scratch = '';
  let repo = '';
  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'flops-git-'));
    repo = path.join(scratch, 'work');
    const remote = path.join(scratch, 'remote.git');
    copyReadyRepo(repo);
    git(scratch, 'init', '--bare', remote);
    git(repo, 'init');
    git(repo, 'add', '.');
    git(repo, 'commit', '-m', 'ML repository');
    git(repo, 'remote', 'add', 'origin', remote);
    git(repo, 'push', '--set-upstream', 'origin', 'main');
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  // The three steps share one repository and run in order: pushed, then dirty, then committed.
  it('reports nothing when HEAD is pushed and the working tree is clean', async () => {
    assert.deepEqual(await unpushedFindings(repo), []);
  });

  it('reports an uncommitted change, as info on ml_repo_url in flops.json', async () => {
    appendFileSync(path.join(repo, 'model_manager.py'), '\n# tuned locally\n');
    const findings = await unpushedFindings(repo);
    assert.equal(findings.length, 1, findings.map((f) => f.message).join('\n'));
    const [finding] = findings;
    assert.equal(finding?.severity, 'info');
    assert.equal(finding.file, 'flops.json');
    const urlLine = readFileSync(path.join(repo, 'flops.json'), 'utf8').split('\n').findIndex((l) => l.includes('"ml_repo_url"'));
    assert.equal(finding.range.start.line, urlLine);
    assert.match(finding.message, /\b1 uncommitted change\b/);
    assert.doesNotMatch(finding.message, /HEAD differs/);
  });

  it('reports a commit that is not pushed', async () => {
    git(repo, 'commit', '-am', 'Tune locally');
    const findings = await unpushedFindings(repo);
    assert.equal(findings.length, 1, findings.map((f) => f.message).join('\n'));
    assert.match(findings[0]?.message ?? '', /HEAD differs from origin\/main/);
    assert.doesNotMatch(findings[0]?.message ?? '', /uncommitted/);
  });

  it('reports a branch without upstream, and stays quiet outside git or for the generated target', async () => {
    const lonely = path.join(scratch, 'lonely');
    copyReadyRepo(lonely);
    assert.deepEqual(await unpushedFindings(lonely), [], 'not a git repository: nothing to compare');
    git(lonely, 'init');
    git(lonely, 'add', '.');
    git(lonely, 'commit', '-m', 'ML repository');
    assert.match((await unpushedFindings(lonely))[0]?.message ?? '', /no remote branch to compare with/);

    const generated = path.join(scratch, 'generated');
    copyReadyRepo(generated, 'generated');
    git(generated, 'init');
    assert.deepEqual(await unpushedFindings(generated), [], 'our generator builds the working copy, so local changes are what runs');
  });
});

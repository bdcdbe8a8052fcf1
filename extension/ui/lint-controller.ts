import * as vscode from 'vscode';
import { asError, FlError } from '../core/errors';
import type { RepoFacts } from '../core/config/starter-project';
import type { Finding, Fix, Range } from '../core/findings/finding';
import type { LintSession } from '../core/lint/lint-session';
import type { Logger } from '../core/ports';
import { DisposableStore } from './disposables';
import { readSettings } from './settings';

/** Folders never searched for ML repos (the same the repo reader skips). */
const excludeGlob = '**/{node_modules,.git,.venv,venv,__pycache__,.flops,site-packages,.tox}/**';
const markerGlob = '**/{model_manager.py,flops.json}';

export interface LintControllerDeps {
  readonly logger: Logger;
  /** Creates the lint session of one repo (wired in main.ts with the real io adapters). */
  readonly createSession: (rootPath: string) => LintSession;
  /** Link target for a rule's documentation. */
  readonly ruleDocUri: (ruleId: string) => vscode.Uri;
}

interface RepoState {
  readonly root: vscode.Uri;
  readonly session: LintSession;
  /** Files this repo last reported on, so their diagnostics can be cleared. */
  reported: Set<string>;
  /** Fixes of the last published findings, by fixKey; replaced with each publish, gone with the repo. */
  fixes: Map<string, readonly Fix[]>;
  running: Promise<void> | undefined;
  pending: Set<string> | 'all' | undefined;
}

function toVsRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

function fixKey(uri: vscode.Uri, code: string, range: vscode.Range, message: string): string {
  return `${uri.toString()}|${code}|${range.start.line}:${range.start.character}|${message}`;
}

const severities = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
} as const;

/**
 * Finds the ML repos of the workspace (a folder with model_manager.py or flops.json; a model_manager.py
 * below a folder with flops.json belongs to that folder), lints them on open and on save (only the
 * saved file is read and parsed again), and publishes the findings as diagnostics with fixes.
 */
export class LintController implements vscode.Disposable {
  private readonly store = new DisposableStore();
  private readonly repos = new Map<string, RepoState>();
  readonly diagnostics: vscode.DiagnosticCollection;
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires with a repo root after its diagnostics were published (tests and views await it). */
  readonly onDidLint = this.changed.event;

  constructor(private readonly deps: LintControllerDeps) {
    this.diagnostics = this.store.add(vscode.languages.createDiagnosticCollection('flops'));
    this.store.add(this.changed);
    this.store.add(vscode.workspace.onDidSaveTextDocument((doc) => this.onFileChanged(doc.uri)));
    const watcher = this.store.add(vscode.workspace.createFileSystemWatcher('**/*.{py,yaml,yml,json,txt,toml}'));
    this.store.add(watcher.onDidChange((uri) => this.onFileChanged(uri)));
    this.store.add(watcher.onDidCreate((uri) => this.onTreeChanged(uri)));
    this.store.add(watcher.onDidDelete((uri) => this.onTreeChanged(uri)));
    // A dataset file appearing or going away changes flops/project-config (simulation.dataset.file);
    // its content does not, so changes are ignored (a simulation may write many such files).
    const data = this.store.add(vscode.workspace.createFileSystemWatcher('**/*.{csv,parquet,jsonl}', false, true, false));
    this.store.add(data.onDidCreate((uri) => this.onTreeChanged(uri)));
    this.store.add(data.onDidDelete((uri) => this.onTreeChanged(uri)));
    this.store.add(vscode.workspace.onDidChangeWorkspaceFolders(() => void this.refresh()));
    this.store.add(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('flops.lint')) void this.refresh();
      }),
    );
  }

  /** Fixes computed for a diagnostic published by this controller. */
  fixesFor(uri: vscode.Uri, diagnostic: vscode.Diagnostic): readonly Fix[] {
    const code = typeof diagnostic.code === 'object' ? String(diagnostic.code.value) : String(diagnostic.code);
    const key = fixKey(uri, code, diagnostic.range, diagnostic.message);
    for (const repo of this.repos.values()) {
      const fixes = repo.fixes.get(key);
      if (fixes !== undefined) return fixes;
    }
    return [];
  }

  /** What the last lint of the repo at `root` learnt about it (detected flavor, origin, data files). */
  factsFor(root: vscode.Uri): RepoFacts | undefined {
    return this.repos.get(root.toString())?.session.facts;
  }

  /** Repo roots currently linted. */
  get roots(): vscode.Uri[] {
    return [...this.repos.values()].map((r) => r.root);
  }

  /** Discovers the repos again and lints each one from scratch. */
  async refresh(signal?: AbortSignal): Promise<Finding[][]> {
    const roots = await this.discover();
    for (const [key, repo] of this.repos) {
      if (!roots.some((r) => r.toString() === key)) {
        for (const file of repo.reported) this.diagnostics.delete(vscode.Uri.parse(file));
        this.repos.delete(key);
      }
    }
    const enabled = (root: vscode.Uri): boolean => readSettings(root)['lint.enabled'];
    const results: Finding[][] = [];
    for (const root of roots) {
      let repo = this.repos.get(root.toString());
      if (!enabled(root)) {
        if (repo !== undefined) for (const file of repo.reported) this.diagnostics.delete(vscode.Uri.parse(file));
        this.repos.delete(root.toString());
        continue;
      }
      if (repo === undefined) {
        repo = { root, session: this.deps.createSession(root.fsPath), reported: new Set(), fixes: new Map(), running: undefined, pending: undefined };
        this.repos.set(root.toString(), repo);
      }
      repo.session.invalidate();
      results.push(await this.lintRepo(repo, signal));
    }
    return results;
  }

  dispose(): void {
    this.store.dispose();
  }

  private async discover(): Promise<vscode.Uri[]> {
    const markers = await vscode.workspace.findFiles(markerGlob, excludeGlob);
    const withProject = new Set(markers.filter((m) => m.path.endsWith('/flops.json')).map((m) => dirname(m).toString()));
    const roots = new Map<string, vscode.Uri>();
    for (const marker of markers) {
      const dir = dirname(marker);
      // model_manager.py in a subfolder of a project is a misplaced candidate, not a repo of its own.
      const key = dir.toString();
      const owned = [...withProject].some((p) => p !== key && key.startsWith(`${p}/`));
      if (!owned) roots.set(dir.toString(), dir);
    }
    return [...roots.values()].sort((a, b) => a.path.localeCompare(b.path));
  }

  /** The root of the innermost linted repo that contains `uri`. */
  rootOf(uri: vscode.Uri): vscode.Uri | undefined {
    return this.repoOf(uri)?.root;
  }

  private repoOf(uri: vscode.Uri): RepoState | undefined {
    let best: RepoState | undefined;
    for (const repo of this.repos.values()) {
      const prefix = repo.root.path.endsWith('/') ? repo.root.path : `${repo.root.path}/`;
      if (uri.scheme === repo.root.scheme && uri.path.startsWith(prefix) && (best === undefined || repo.root.path.length > best.root.path.length)) best = repo;
    }
    return best;
  }

  private onFileChanged(uri: vscode.Uri): void {
    const repo = this.repoOf(uri);
    if (repo === undefined) return;
    this.schedule(repo, [relativePath(repo.root, uri)]);
  }

  private onTreeChanged(uri: vscode.Uri): void {
    const name = uri.path.split('/').pop();
    if (name === 'model_manager.py' || name === 'flops.json') {
      void this.refresh();
      return;
    }
    const repo = this.repoOf(uri);
    if (repo !== undefined) this.schedule(repo, 'all');
  }

  private schedule(repo: RepoState, paths: string[] | 'all'): void {
    if (repo.pending === 'all' || paths === 'all') repo.pending = 'all';
    else repo.pending = new Set([...(repo.pending ?? []), ...paths]);
    if (repo.running !== undefined) return;
    repo.running = (async () => {
      while (repo.pending !== undefined) {
        const pending = repo.pending;
        repo.pending = undefined;
        repo.session.invalidate(pending === 'all' ? undefined : [...pending]);
        await this.lintRepo(repo);
      }
    })().finally(() => {
      repo.running = undefined;
    });
  }

  private async lintRepo(repo: RepoState, signal?: AbortSignal): Promise<Finding[]> {
    const started = performance.now();
    let findings: Finding[];
    try {
      findings = await repo.session.lint(signal !== undefined ? { signal } : {});
    } catch (error) {
      if (error instanceof FlError && error.kind === 'cancelled') throw error;
      this.deps.logger.error(asError(error));
      return [];
    }
    this.publish(repo, findings);
    this.deps.logger.debug(`[lint] ${repo.root.fsPath}: ${findings.length} findings in ${(performance.now() - started).toFixed(1)} ms`);
    this.changed.fire(repo.root);
    return findings;
  }

  private publish(repo: RepoState, findings: readonly Finding[]): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    const fixes = new Map<string, readonly Fix[]>();
    for (const f of findings) {
      const uri = f.file === '.' ? repo.root : vscode.Uri.joinPath(repo.root, f.file);
      const range = toVsRange(f.range);
      const diagnostic = new vscode.Diagnostic(range, f.message, severities[f.severity]);
      diagnostic.source = 'flops';
      diagnostic.code = { value: f.rule, target: this.deps.ruleDocUri(f.rule) };
      const list = byFile.get(uri.toString()) ?? [];
      list.push(diagnostic);
      byFile.set(uri.toString(), list);
      if (f.fixes.length > 0) fixes.set(fixKey(uri, f.rule, range, f.message), f.fixes);
    }
    for (const file of repo.reported) if (!byFile.has(file)) this.diagnostics.delete(vscode.Uri.parse(file));
    for (const [file, list] of byFile) this.diagnostics.set(vscode.Uri.parse(file), list);
    repo.reported = new Set(byFile.keys());
    repo.fixes = fixes;
  }
}

function dirname(uri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(uri, '..');
}

function relativePath(root: vscode.Uri, uri: vscode.Uri): string {
  const prefix = root.path.endsWith('/') ? root.path : `${root.path}/`;
  return uri.path.slice(prefix.length);
}

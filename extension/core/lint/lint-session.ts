import { datasetCandidates, type RepoFacts } from '../config/starter-project';
import { asError, messageOf, throwIfCancelled } from '../errors';
import type { GitInspector, Logger, PythonAnalyzer, RepoListing, RepoReader, SourceFile } from '../ports';
import { compareFindings, wholeFirstLine, type Finding, type Severity } from '../findings/finding';
import { detectFlavor, importClosure, resolveModelManager, type LintContext } from './lint-context';
import { parseYamlInput, type YamlInput } from '../config/yaml-input';
import { parseProjectInput, projectFileName, type ProjectInput } from '../config/project-input';
import type { PyModule } from '../python/python-model';
import type { Rule } from './rule';
import { allRules } from './rules/all-rules';

export interface LintDeps {
  readonly reader: RepoReader;
  readonly analyzer: PythonAnalyzer;
  readonly git?: GitInspector;
  readonly logger?: Logger;
}

export interface LintOptions {
  readonly signal?: AbortSignal;
  /** Defaults to every rule of the catalogue. */
  readonly rules?: readonly Rule[];
}

const condaFile = 'conda.yaml';

/** Columns of HuggingFace datasets FLOps' mock data provider is used with (flops-contract.md §2.2). */
const knownDatasetColumns: ReadonlyMap<string, readonly string[]> = new Map([
  ['mnist', ['image', 'label']],
  ['fashion_mnist', ['image', 'label']],
  ['cifar10', ['img', 'label']],
  ['cifar100', ['img', 'fine_label', 'coarse_label']],
]);

function jsonKeys(line: string): string[] {
  try {
    const value = JSON.parse(line) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
  } catch {
    return [];
  }
}

interface CachedModule {
  readonly text: string;
  readonly module: PyModule;
}

/**
 * Lints one repo and keeps what it parsed, so that linting again after a save re-reads and re-parses
 * only the files named in `invalidate`. The listing is refreshed only when `invalidate()` is called
 * without paths (files created, deleted or renamed).
 */
export class LintSession {
  private listing: RepoListing | undefined;
  private git: LintContext['git'];
  private readonly modules = new Map<string, CachedModule>();
  private readonly dirty = new Set<string>();
  private lastFacts: RepoFacts | undefined;

  constructor(private readonly deps: LintDeps) {}

  /** What the last lint learnt about the repo (flavor, origin, data files); `undefined` before one. */
  get facts(): RepoFacts | undefined {
    return this.lastFacts;
  }

  /** Marks files as changed; with no argument, everything (listing included) is read again. */
  invalidate(paths?: readonly string[]): void {
    if (paths === undefined) {
      this.listing = undefined;
      this.modules.clear();
      this.dirty.clear();
      return;
    }
    for (const p of paths) this.dirty.add(p);
  }

  /** Runs every rule; findings come sorted. Throws `FlError('cancelled')` when the signal aborts. */
  async lint(options: LintOptions = {}): Promise<Finding[]> {
    const taken: string[] = [];
    try {
      return await this.lintOnce(options, taken);
    } catch (error) {
      // A cancelled (or failed) lint hands the invalidations it took on to the next one; otherwise that
      // one would serve the cached parse of a file that changed.
      for (const p of taken) this.dirty.add(p);
      throw error;
    }
  }

  private async lintOnce(options: LintOptions, taken: string[]): Promise<Finding[]> {
    const { signal } = options;
    const { reader } = this.deps;
    if (this.listing === undefined) {
      this.listing = await reader.list(signal);
      this.git = await this.deps.git?.inspect(signal).catch((error: unknown) => {
        this.deps.logger?.warn(`[lint] git state unavailable: ${String(error)}`);
        return undefined;
      });
    }
    throwIfCancelled(signal);
    const listing = this.listing;
    // Files only: a folder named model_manager.py is no model_manager.py (the rules report it as missing).
    const paths = new Set(listing.entries.filter((e) => e.kind === 'file').map((e) => e.path));
    const pyFiles = listing.entries.filter((e) => e.kind === 'file' && e.path.endsWith('.py')).map((e) => e.path);
    const unreadable = new Map<string, string>();

    for (const cached of [...this.modules.keys()]) if (!paths.has(cached)) this.modules.delete(cached);
    const toRead = pyFiles.filter((p) => !this.modules.has(p) || this.dirty.has(p));
    taken.push(...this.dirty);
    this.dirty.clear();

    const fresh: SourceFile[] = [];
    const reads = await Promise.all(toRead.map(async (path) => ({ path, result: await reader.readText(path, signal) })));
    for (const { path, result } of reads) {
      if (result.kind === 'unreadable') {
        this.modules.delete(path);
        unreadable.set(path, result.reason);
      } else if (this.modules.get(path)?.text !== result.text) {
        fresh.push({ path, text: result.text });
      }
    }
    throwIfCancelled(signal);
    // A changed file that rules inspected before (full detail) most likely still is: parse it once, fully.
    const wasFull = (f: SourceFile): boolean => this.modules.get(f.path)?.module.detail === 'full';
    await this.analyze(fresh.filter(wasFull), 'full', signal);
    await this.analyze(fresh.filter((f) => !wasFull(f)), 'outline', signal);

    // Rules look inside the bodies of model_manager.py, data_manager.py and what they import; every
    // other file needs only its outline. Full detail can reveal imports inside functions, so repeat.
    let userModules: string[] = [];
    for (let pass = 0; pass < 4; pass++) {
      userModules = importClosure(paths, this.moduleMap(), ['model_manager.py', 'data_manager.py']);
      const shallow = userModules
        .map((p) => ({ path: p, cached: this.modules.get(p) }))
        .filter((e): e is { path: string; cached: CachedModule } => e.cached?.module.detail === 'outline')
        .map((e) => ({ path: e.path, text: e.cached.text }));
      if (shallow.length === 0) break;
      await this.analyze(shallow, 'full', signal);
    }

    const readSmall = async <T>(path: string, parse: (text: string, byteOrderMark: boolean) => T): Promise<T | undefined> => {
      if (!paths.has(path)) return undefined;
      const result = await reader.readText(path, signal);
      if (result.kind === 'text') return parse(result.text, result.byteOrderMark === true);
      unreadable.set(path, result.reason);
      return undefined;
    };
    const conda: YamlInput | undefined = await readSmall(condaFile, (t) => parseYamlInput(condaFile, t));
    const project: ProjectInput | undefined = await readSmall(projectFileName, (t, byteOrderMark) => parseProjectInput(projectFileName, t, { byteOrderMark }));
    throwIfCancelled(signal);

    const modules = this.moduleMap();
    const sources = new Map<string, string>();
    for (const [path, cached] of this.modules) sources.set(path, cached.text);
    const config = project?.config;
    const configFlavor = config?.ml_model_flavor;
    const detected = configFlavor === undefined ? detectFlavor(modules, userModules) : undefined;
    const ctx: LintContext = {
      listing,
      paths,
      modules,
      sources,
      unreadable,
      conda,
      project,
      config,
      target: config?.target ?? 'generated',
      flavor:
        configFlavor !== undefined
          ? { value: configFlavor, source: 'config' }
          : detected !== undefined
            ? { value: detected, source: 'detected' }
            : undefined,
      git: this.git,
      userModules,
      modelManager: resolveModelManager(paths, modules),
      knownRules: new Set(allRules.map((r) => r.meta.id)),
      datasetColumns: await this.datasetColumns(config, paths, signal),
    };
    this.lastFacts = { flavor: ctx.flavor?.value, originUrl: this.git?.originUrl, dataFiles: datasetCandidates(listing.entries) };
    return runRules(ctx, options.rules ?? allRules, this.deps.logger);
  }

  /**
   * The dataset's columns: the header of the simulation's local CSV or JSON-lines file, else the columns
   * of a well-known dataset named by the first data tag (what FLOps' mock data provider pushes).
   */
  private async datasetColumns(
    config: LintContext['config'],
    paths: ReadonlySet<string>,
    signal: AbortSignal | undefined,
  ): Promise<LintContext['datasetColumns']> {
    const file = config?.simulation.dataset.file;
    if (file !== undefined && paths.has(file) && /\.(csv|jsonl)$/i.test(file)) {
      const result = await this.deps.reader.readText(file, signal);
      if (result.kind === 'text') {
        const first = result.text.slice(0, result.text.indexOf('\n') >>> 0).replace(/\r$/, '');
        const columns = file.toLowerCase().endsWith('.csv') ? first.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1')) : jsonKeys(first);
        if (columns.length > 0) return { source: file, columns };
      }
      return undefined;
    }
    const tag = config?.training_configuration.data_tags[0];
    const known = tag === undefined ? undefined : knownDatasetColumns.get(tag.toLowerCase());
    return known === undefined || tag === undefined ? undefined : { source: `the "${tag}" dataset`, columns: known };
  }

  private moduleMap(): Map<string, PyModule> {
    const map = new Map<string, PyModule>();
    for (const [path, cached] of this.modules) map.set(path, cached.module);
    return map;
  }

  private async analyze(files: SourceFile[], detail: PyModule['detail'], signal: AbortSignal | undefined): Promise<void> {
    if (files.length === 0) return;
    const analyzed = await this.deps.analyzer.analyze(files, { detail, signal });
    files.forEach((file, i) => {
      const module = analyzed[i];
      if (module !== undefined) this.modules.set(file.path, { text: file.text, module });
    });
  }
}

function runRules(ctx: LintContext, rules: readonly Rule[], logger: Logger | undefined): Finding[] {
  const overrides = ctx.config?.lint.rules ?? {};
  const findings: Finding[] = [];
  for (const rule of rules) {
    const override = overrides[rule.meta.id];
    if (override === 'off') continue;
    let reports;
    try {
      reports = rule.check(ctx);
    } catch (error) {
      // A bug in one rule must not hide every other finding, nor pass for "no problems": it is logged
      // with its stack and reported as an error, so the lint is never a silent success.
      logger?.error(asError(error));
      findings.push({
        rule: rule.meta.id,
        severity: 'error',
        file: '.',
        range: wholeFirstLine,
        message: `${rule.meta.id} could not check this repository (internal error: ${messageOf(error)}), so its checks are missing from this lint. Please report it with the file that causes it.`,
        fixes: [],
      });
      continue;
    }
    for (const report of reports) {
      let severity: Severity = report.severity ?? rule.meta.severity;
      if (rule.meta.builderOnly === true && ctx.target !== 'flops-addon' && severity === 'error') severity = 'warning';
      if (override !== undefined) severity = override;
      findings.push({
        rule: rule.meta.id,
        severity,
        file: report.file,
        range: report.range,
        message: report.message,
        fixes: report.fixes ?? [],
      });
    }
  }
  return findings.sort(compareFindings);
}

/** One-shot lint of a repo (CLI, tests): a fresh session, every file read and parsed. */
export async function runLint(deps: LintDeps, options: LintOptions = {}): Promise<Finding[]> {
  return new LintSession(deps).lint(options);
}

import type { ModelFlavor, ProjectFile } from '../config/project-file';
import type { GitState, RepoListing } from '../ports';

import type { PyClass, PyFunction, PyModule } from '../python/python-model';
import type { Range } from '../findings/finding';
import type { YamlInput } from '../config/yaml-input';
import type { ProjectInput } from '../config/project-input';

export interface ResolvedModelManager {
  readonly file: string;
  readonly module: PyModule;
  readonly cls: PyClass;
  /** The class's methods plus those inherited from in-repo base classes (own methods win). */
  readonly methods: ReadonlyMap<string, PyFunction>;
  /** Names defined by class-level assignment, own or inherited. */
  readonly classAssigns: ReadonlySet<string>;
  /** True when a base class could not be resolved inside the repo, so inherited members are unknown. */
  readonly hasUnknownBases: boolean;
}

export interface LintContext {
  readonly listing: RepoListing;
  /** Every listed file (folders are in `listing`; a folder where a file should be counts as no file). */
  readonly paths: ReadonlySet<string>;
  /** Parsed Python files by path. */
  readonly modules: ReadonlyMap<string, PyModule>;
  /** Source text of parsed Python files, for fixes that need exact text. */
  readonly sources: ReadonlyMap<string, string>;
  /** Files that are inputs to lint but could not be read, with the reason. */
  readonly unreadable: ReadonlyMap<string, string>;
  readonly conda: YamlInput | undefined;
  readonly project: ProjectInput | undefined;
  readonly config: ProjectFile | undefined;
  readonly target: 'generated' | 'flops-addon';
  /** The flavor from the project file, else the one detected from imports. */
  readonly flavor: { readonly value: ModelFlavor; readonly source: 'config' | 'detected' } | undefined;
  readonly git: GitState | undefined;
  /** model_manager.py, data_manager.py and the in-repo modules they import, transitively. */
  readonly userModules: readonly string[];
  readonly modelManager: ResolvedModelManager | undefined;
  /** Columns of the dataset the learners will load, when known (local file header or a known dataset). */
  readonly datasetColumns: { readonly source: string; readonly columns: readonly string[] } | undefined;
  /** Ids of every rule, to check per-rule settings against. */
  readonly knownRules: ReadonlySet<string>;
}

/** `a.b` imported from the repo root → the in-repo file that provides it, if any. */
export function resolveModule(paths: ReadonlySet<string>, dotted: string): string | undefined {
  const base = dotted.split('.').join('/');
  if (paths.has(`${base}.py`)) return `${base}.py`;
  if (paths.has(`${base}/__init__.py`)) return `${base}/__init__.py`;
  return undefined;
}

/** The in-repo modules reachable by imports from the entry files (which are included when present). */
export function importClosure(
  paths: ReadonlySet<string>,
  modules: ReadonlyMap<string, PyModule>,
  entries: readonly string[],
): string[] {
  const seen = new Set<string>();
  const queue = entries.filter((e) => modules.has(e));
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const mod = modules.get(file);
    if (mod === undefined) continue;
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
    for (const imp of mod.imports) {
      const candidates: string[] = [];
      if (imp.level > 0) {
        // Relative imports resolve against the importing package.
        const parts = dir === '' ? [] : dir.split('/');
        const up = parts.slice(0, Math.max(0, parts.length - (imp.level - 1)));
        const prefix = [...up, ...(imp.module === '' ? [] : imp.module.split('.'))].join('.');
        if (prefix !== '') candidates.push(prefix);
        for (const n of imp.names) if (n.name !== '*') candidates.push(prefix === '' ? n.name : `${prefix}.${n.name}`);
      } else {
        candidates.push(imp.module);
        for (const n of imp.names) if (n.name !== '*') candidates.push(`${imp.module}.${n.name}`);
      }
      for (const c of candidates) {
        const target = resolveModule(paths, c);
        if (target !== undefined && !seen.has(target)) queue.push(target);
      }
    }
  }
  return [...seen].sort();
}

/** Import roots that show a framework (a Map: module names come from the user's code). */
const frameworkRoots: ReadonlyMap<string, ModelFlavor> = new Map([
  ['sklearn', 'sklearn'],
  ['torch', 'pytorch'],
  ['keras', 'keras'],
  ['tensorflow', 'keras'],
]);

/** Frameworks imported by the given modules, each with the first import that shows it. */
export function importedFrameworks(
  modules: ReadonlyMap<string, PyModule>,
  files: readonly string[],
): Map<ModelFlavor, { file: string; range: Range }> {
  const found = new Map<ModelFlavor, { file: string; range: Range }>();
  for (const file of files) {
    for (const imp of modules.get(file)?.imports ?? []) {
      if (imp.level > 0) continue;
      const flavor = frameworkRoots.get(imp.module.split('.')[0] ?? '');
      if (flavor !== undefined && !found.has(flavor)) found.set(flavor, { file, range: imp.range });
    }
  }
  return found;
}

/** The flavor the imports show, when exactly one framework is imported. */
export function detectFlavor(modules: ReadonlyMap<string, PyModule>, files: readonly string[]): ModelFlavor | undefined {
  const found = [...importedFrameworks(modules, files).keys()];
  return found.length === 1 ? found[0] : undefined;
}

function findClass(
  paths: ReadonlySet<string>,
  modules: ReadonlyMap<string, PyModule>,
  file: string,
  name: string,
  depth: number,
): { file: string; module: PyModule; cls: PyClass } | undefined {
  const mod = modules.get(file);
  if (mod === undefined || depth > 5) return undefined;
  const cls = mod.classes.find((c) => c.name === name);
  if (cls !== undefined) return { file, module: mod, cls };
  // Follow `from x import Name [as Alias]` to another in-repo module.
  for (const imp of mod.imports) {
    if (imp.kind !== 'from' || imp.level > 0) continue;
    const named = imp.names.find((n) => (n.alias ?? n.name) === name);
    if (named === undefined) continue;
    const target = resolveModule(paths, imp.module);
    if (target !== undefined) return findClass(paths, modules, target, named.name, depth + 1);
  }
  return undefined;
}

/** Resolves `ModelManager` in model_manager.py, merging methods of in-repo base classes. */
export function resolveModelManager(
  paths: ReadonlySet<string>,
  modules: ReadonlyMap<string, PyModule>,
): ResolvedModelManager | undefined {
  const found = findClass(paths, modules, 'model_manager.py', 'ModelManager', 0);
  if (found === undefined) return undefined;
  const methods = new Map<string, PyFunction>();
  const classAssigns = new Set<string>();
  let hasUnknownBases = false;
  const visit = (at: { file: string; cls: PyClass }, depth: number): void => {
    for (const m of at.cls.methods) if (!methods.has(m.name)) methods.set(m.name, m);
    for (const a of at.cls.classAssigns) classAssigns.add(a);
    for (const base of at.cls.bases) {
      const simple = base.split('.').pop() ?? base;
      if (base === 'object' || simple === 'ModelManagerTemplate' || simple === 'ABC') continue;
      const parent = depth < 5 ? findClass(paths, modules, at.file, simple, 0) : undefined;
      if (parent === undefined) hasUnknownBases = true;
      else visit(parent, depth + 1);
    }
  };
  visit(found, 0);
  return { ...found, methods, classAssigns, hasUnknownBases };
}

/**
 * The methods reachable from `start` through `self.name(...)` calls, up to `depth` calls deep,
 * `start` included. Used by rules that must follow helpers `__init__` calls.
 */
export function selfCallClosure(
  methods: ReadonlyMap<string, PyFunction>,
  start: string,
  depth: number,
): PyFunction[] {
  const result: PyFunction[] = [];
  const seen = new Set<string>();
  let frontier = [start];
  for (let level = 0; level <= depth && frontier.length > 0; level++) {
    const next: string[] = [];
    for (const name of frontier) {
      const fn = methods.get(name);
      if (fn === undefined || seen.has(name)) continue;
      seen.add(name);
      result.push(fn);
      next.push(...fn.selfCalls);
    }
    frontier = next;
  }
  return result;
}

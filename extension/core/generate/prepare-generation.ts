import { FlError } from '../errors';
import { projectFileSchema } from '../config/project-file';
import type { GeneratedFile } from '../generated-files';
import { LintSession } from '../lint/lint-session';
import { parseProjectInput, projectFileName } from '../config/project-input';
import type { GitInspector, PythonAnalyzer, RepoReader } from '../ports';
import { dependencyFiles, type DependencyFile, userDependencies } from './dependencies';
import type { GenerationPreparation } from './generation-preparation';
import type { GenerationPlan } from './manifest';
import { checkRuntimeInput, renderRuntime, unknownStrategyMessage } from './render';

/**
 * The generate use case up to (not including) writing, shared by `flops generate`, "FLOps: Generate
 * FL Wrappers", the learner check and the simulation: lint, read flops.json and the dependency files,
 * render, and plan against what is on disk. Writing is the caller's `apply(plan)` once it decided.
 */

/** The output folder as the generator sees it (io/generation-ports.ts implements it on the file system). */
export interface GeneratedOutput {
  /** Absolute path, as the platform spells it. */
  readonly dir: string;
  /** Relative to the repository, `/`-separated (written into the Dockerfile and compose.yaml). */
  readonly relative: string;
  /**
   * Plans the files against what the folder holds; refuses (FlError 'invalidInput') when a path would
   * be read, written or deleted through a link that leaves the repository.
   */
  plan(files: readonly GeneratedFile[], options: { readonly overwriteEdited: boolean }): Promise<{ readonly plan: GenerationPlan; readonly drift: boolean }>;
}

export interface GenerationPorts {
  readonly reader: RepoReader;
  readonly analyzer: PythonAnalyzer;
  readonly git: GitInspector;
  readonly output: GeneratedOutput;
}

export interface PrepareOptions {
  readonly force?: boolean;
  readonly overwriteEdited?: boolean;
  readonly signal?: AbortSignal;
}

/** What `--out` may be: a plain relative folder (it is written into Dockerfile COPY lines and compose). */
const safeOutFolder = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*\/?$/;

/** Why an output folder cannot be used, or `undefined` when it can. */
export function outFolderProblem(out: string): string | undefined {
  return safeOutFolder.test(out.replace(/\\/g, '/'))
    ? undefined
    : `The output folder ${JSON.stringify(out)} may hold only letters, digits, ".", "_", "-" and "/" (it is written into the Dockerfile and compose.yaml).`;
}

/** The last segment of a path, whichever separator the platform uses. */
export function folderName(dir: string): string {
  const parts = dir.split(/[\\/]/).filter((p) => p !== '');
  return parts[parts.length - 1] ?? dir;
}

export async function prepareGeneration(ports: GenerationPorts, options: PrepareOptions = {}): Promise<GenerationPreparation> {
  const { reader, output } = ports;
  const session = new LintSession({ reader, analyzer: ports.analyzer, git: ports.git });
  const findings = await session.lint(options.signal !== undefined ? { signal: options.signal } : {});
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length > 0 && options.force !== true) return { kind: 'lintErrors', errors };

  const read = async (file: string): Promise<string | undefined> => {
    const result = await reader.readText(file, options.signal);
    return result.kind === 'text' ? result.text : undefined;
  };
  const projectText = await read(projectFileName);
  let config = projectFileSchema.parse({});
  if (projectText !== undefined) {
    const project = parseProjectInput(projectFileName, projectText);
    if (project.config === undefined) {
      const strategyIssue = project.issues.find((i) => i.path.join('.') === 'flower.strategy.name' || i.path.join('.') === 'flower.strategy');
      const strategyValue = (project.value as { flower?: { strategy?: { name?: unknown } } } | undefined)?.flower?.strategy?.name;
      if (strategyIssue !== undefined && strategyValue !== undefined) return { kind: 'invalid', message: unknownStrategyMessage(strategyValue) };
      return {
        kind: 'invalid',
        message: `${projectFileName} is invalid (${project.syntaxError?.message ?? project.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}); nothing generated.`,
      };
    }
    config = project.config;
  }
  const check = checkRuntimeInput(config, session.facts?.flavor);
  if (!check.ok) return { kind: 'invalid', message: check.message };
  const dependencyTexts: Partial<Record<DependencyFile, string>> = {};
  for (const file of dependencyFiles) {
    const text = await read(file);
    if (text !== undefined) dependencyTexts[file] = text;
  }
  const dependencies = userDependencies(dependencyTexts);
  if (!dependencies.ok) return { kind: 'invalid', message: dependencies.message };
  const files = renderRuntime({ config, flavor: check.flavor, repoName: folderName(reader.root), dependencies: dependencies.value, outDir: output.relative });
  const { plan, drift } = await output.plan(files, { overwriteEdited: options.overwriteEdited === true });
  return {
    kind: 'planned',
    outDir: output.dir,
    outRelative: output.relative,
    files,
    plan,
    drift,
    config,
    flavor: check.flavor,
    dependencySource: dependencies.value.source,
    skippedDependencies: dependencies.value.skipped,
    forcedErrors: errors,
  };
}

/** `FlError('invalidInput')` for an unusable output folder, before anything is read. */
export function assertOutFolder(out: string | undefined): void {
  const problem = out === undefined ? undefined : outFolderProblem(out);
  if (problem !== undefined) throw new FlError('invalidInput', problem);
}

import path from 'node:path';
import { FlError } from '../core/errors';
import { projectFileSchema } from '../core/config/project-file';
import { dependencyFiles, type DependencyFile, userDependencies } from '../core/generate/dependencies';
import type { GenerationPreparation } from '../core/generate/generation-preparation';
import { checkRuntimeInput, renderRuntime, unknownStrategyMessage } from '../core/generate/render';
import { LintSession } from '../core/lint/lint-session';
import { parseProjectInput, projectFileName } from '../core/lint/project-input';
import type { PythonAnalyzer } from '../core/ports';
import { assertInsideRepository, planInFolder } from './generated-writer';
import { SimpleGitInspector } from './git-inspector';
import { FsRepoReader } from './repo-reader';

/**
 * The generate use case up to (not including) writing, shared by `flops generate` and the
 * "FLOps: Generate FL Wrappers" command: lint, read flops.json and the dependency files, render, and
 * plan against what is on disk. Writing is `applyPlan(outDir, plan)` once the caller decided.
 */
export interface PrepareOptions {
  /** Output folder relative to the repo (default `.flops`); must stay inside it. */
  readonly out?: string;
  readonly force?: boolean;
  readonly overwriteEdited?: boolean;
  readonly signal?: AbortSignal;
}

/** What `--out` may be: a plain relative folder (it is written into Dockerfile COPY lines and compose). */
const safeOutFolder = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*\/?$/;

export async function prepareGeneration(dir: string, analyzer: PythonAnalyzer, options: PrepareOptions = {}): Promise<GenerationPreparation> {
  if (options.out !== undefined && !safeOutFolder.test(options.out.replace(/\\/g, '/'))) {
    throw new FlError('invalidInput', `The output folder ${JSON.stringify(options.out)} may hold only letters, digits, ".", "_", "-" and "/" (it is written into the Dockerfile and compose.yaml).`);
  }
  const outDir = path.resolve(dir, options.out ?? '.flops');
  const outRelative = path.relative(dir, outDir).split(path.sep).join('/');
  const reader = await FsRepoReader.open(dir);
  const session = new LintSession({ reader, analyzer, git: new SimpleGitInspector(dir) });
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
  const files = renderRuntime({ config, flavor: check.flavor, repoName: path.basename(dir), dependencies: dependencies.value, outDir: outRelative });
  // Nothing is read or written through a link that leaves the repository (.flops linked elsewhere).
  await assertInsideRepository(dir, outDir, [...files.map((f) => f.path), 'manifest.json']);
  const { plan, drift } = await planInFolder(outDir, files, { overwriteEdited: options.overwriteEdited === true });
  await assertInsideRepository(dir, outDir, plan.deletes);
  return { kind: 'planned', outDir, files, plan, drift, config, flavor: check.flavor, dependencySource: dependencies.value.source, skippedDependencies: dependencies.value.skipped, forcedErrors: errors };
}

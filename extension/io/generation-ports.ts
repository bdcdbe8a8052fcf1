import path from 'node:path';
import type { GenerationPreparation } from '../core/generate/generation-preparation';
import { assertOutFolder, prepareGeneration, type GenerationPorts, type PrepareOptions } from '../core/generate/prepare-generation';
import type { PythonAnalyzer } from '../core/ports';
import { assertInsideRepository, planInFolder } from './generated-writer';
import { SimpleGitInspector } from './git-inspector';
import { FsRepoReader } from './repo-reader';

/**
 * The generator's ports on this machine: the repository read through `FsRepoReader`, git through
 * simple-git, and the output folder (`out`, default `.flops`) planned against the files on disk, never
 * through a link that leaves the repository.
 */
export async function generationPorts(dir: string, analyzer: PythonAnalyzer, out?: string): Promise<GenerationPorts> {
  assertOutFolder(out);
  const root = path.resolve(dir);
  const outDir = path.resolve(root, out ?? '.flops');
  const reader = await FsRepoReader.open(root);
  return {
    reader,
    analyzer,
    git: new SimpleGitInspector(root),
    output: {
      dir: outDir,
      relative: path.relative(root, outDir).split(path.sep).join('/'),
      plan: async (files, options) => {
        // Nothing is read or written through a link that leaves the repository (.flops linked elsewhere).
        await assertInsideRepository(root, outDir, [...files.map((f) => f.path), 'manifest.json']);
        const outcome = await planInFolder(outDir, files, options);
        await assertInsideRepository(root, outDir, outcome.plan.deletes);
        return outcome;
      },
    },
  };
}

/** The generate use case over this machine's ports, for an analyzer: what the simulation, the check and the editor's generate command call. */
export function generationPreparer(analyzer: PythonAnalyzer): (dir: string, options: PrepareOptions) => Promise<GenerationPreparation> {
  return async (dir, options) => prepareGeneration(await generationPorts(dir, analyzer), options);
}

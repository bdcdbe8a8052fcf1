import type { ProjectFile } from '../config/project-file';
import type { GeneratedFile } from '../generated-files';
import type { Finding } from '../findings/finding';
import type { GenerationPlan } from './manifest';
import type { GeneratedFlavor } from './runtime-input';

/**
 * What preparing a generation found (prepare-generation.ts): lint errors that stop it, an invalid
 * input with its message, or a plan against the files on disk, ready to be applied.
 */
export type GenerationPreparation =
  | { readonly kind: 'lintErrors'; readonly errors: readonly Finding[] }
  | { readonly kind: 'invalid'; readonly message: string }
  | {
      readonly kind: 'planned';
      /** Absolute path of the output folder. */
      readonly outDir: string;
      /** The output folder relative to the repository, `/`-separated. */
      readonly outRelative: string;
      readonly files: readonly GeneratedFile[];
      readonly plan: GenerationPlan;
      readonly drift: boolean;
      readonly config: ProjectFile;
      readonly flavor: GeneratedFlavor;
      readonly dependencySource: string;
      /** conda-only system packages left to the base image (see dependencies.ts). */
      readonly skippedDependencies: readonly string[];
      /** Lint errors that `force` let through. */
      readonly forcedErrors: readonly Finding[];
    };


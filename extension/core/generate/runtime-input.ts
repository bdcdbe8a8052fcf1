import type { ModelFlavor, ProjectFile } from '../config/project-file';
import type { UserDependencies } from './dependencies';

/**
 * What the generated runtime is rendered from, and the names both render.ts (the Flower app) and
 * deployment.ts (Dockerfile, compose, SLA) derive from it.
 */

export const generatedFlavors = ['sklearn', 'pytorch', 'keras'] as const satisfies readonly ModelFlavor[];
export type GeneratedFlavor = (typeof generatedFlavors)[number];

export interface RuntimeInput {
  /** The project file with defaults applied (`projectFileSchema.parse({})` when there is none). */
  readonly config: ProjectFile;
  readonly flavor: GeneratedFlavor;
  /** The repository folder's name, turned into the Flower app name. */
  readonly repoName: string;
  readonly dependencies: UserDependencies;
  /** The output folder, relative to the repository root, `/`-separated, inside it (default `.flops`). */
  readonly outDir?: string;
}

/** The output folder of an input, relative to the repository root. */
export function outFolder(input: Pick<RuntimeInput, 'outDir'>): string {
  return input.outDir ?? '.flops';
}

/** The Flower connection (≥ 1.26) or federation (≤ 1.25) for `flwr run` on the host (127.0.0.1:9093). */
export const connectionName = 'flops';
/** The same inside the compose network, where the SuperLink is the `aggregator` service. */
export const composeConnectionName = 'flops-compose';
/** The same on Oakestra, where the SuperLink is reached at the aggregator's fixed round-robin IP. */
export const oakestraConnectionName = 'flops-oakestra';

/** `flwr` major.minor of a release such as "1.27.0". */
function flowerMinor(version: string): [number, number] {
  const [major, minor] = version.split('.').map(Number);
  return [major ?? 0, minor ?? 0];
}

/** Whether the release still reads connections from pyproject federations (≤ 1.25, flower-mlflow.md §3). */
export function usesPyprojectFederations(version: string): boolean {
  const [major, minor] = flowerMinor(version);
  return major < 1 || (major === 1 && minor <= 25);
}

/** A Flower app name: lowercase letters, digits and hyphens. */
export function appName(repoName: string): string {
  const name = repoName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return name === '' ? 'flops-app' : /^[a-z]/.test(name) ? name : `app-${name}`;
}

/**
 * Requirements of the app: the user's, then flwr pinned and what the shim needs. `datasets` is
 * bounded by the releases the shim is tested with: 2.16 added what `load_dataset()` calls, and the
 * shim restores 2.x column access on 4.x and 5.x (flops_utils/ml_repo_building_blocks.py).
 */
export const datasetsRequirement = 'datasets>=2.16,<6';

export function appRequirements(input: RuntimeInput): string[] {
  const own = [`flwr==${input.config.flower.version}`, datasetsRequirement, 'numpy'];
  const user = input.dependencies.requirements;
  const userNames = new Set(user.map((r) => requirementName(r)));
  return [...user, ...own.filter((r) => !userNames.has(requirementName(r)))];
}

function requirementName(requirement: string): string {
  return (/^[A-Za-z0-9_.-]+/.exec(requirement)?.[0] ?? requirement).toLowerCase().replace(/[_.]/g, '-');
}


import posix from 'node:path/posix';
import { normaliseRepoUrl } from './repo-url';
import type { RepoEntry } from '../ports';
import { defaultFlowerVersion, type ModelFlavor } from './project-file';
import { datasetExtensions } from './project-rules';

/**
 * The starter `flops.json` of "FLOps: New Project File". JSON has no comments and FLOps parses the file
 * strictly, so the starter is plain JSON: it spells out the settings a user most likely edits, with the
 * values detected in the repository, and every key is documented by the JSON Schema VS Code attaches to
 * flops.json (hover and completion show each field's description, default and examples).
 */

/** What a lint run learnt about a repository that a starter project can use. */
export interface RepoFacts {
  /** The framework the imports show (or the configured one). */
  readonly flavor: ModelFlavor | undefined;
  /** The `origin` remote URL, as git reports it. */
  readonly originUrl: string | undefined;
  /** Files that look like a local dataset, best candidate first. */
  readonly dataFiles: readonly string[];
}

const dataFolders = /^(data|dataset|datasets)\//i;

/**
 * Files that look like a local dataset: CSV, Parquet and JSON Lines anywhere, JSON only in a data folder
 * (elsewhere it is configuration). Files in a data folder come first, then shorter paths.
 */
export function datasetCandidates(entries: readonly RepoEntry[]): string[] {
  return entries
    .filter((e) => e.kind === 'file')
    .map((e) => e.path)
    .filter((p) => {
      const extension = posix.extname(p).toLowerCase();
      if (!(datasetExtensions as readonly string[]).includes(extension)) return false;
      return extension !== '.json' || dataFolders.test(p);
    })
    .sort((a, b) => Number(!dataFolders.test(a)) - Number(!dataFolders.test(b)) || a.split('/').length - b.split('/').length || a.localeCompare(b));
}

/** A data tag derived from a file name: FLOps tags have no ".", "," or whitespace. */
function tagFor(file: string): string {
  const stem = posix.basename(file, posix.extname(file));
  const tag = stem.replace(/[.,\s]+/g, '-').replace(/^-+|-+$/g, '');
  return tag === '' ? 'mnist' : tag;
}

function inlineJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inlineJson).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const members = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${inlineJson(v)}`);
    return members.length === 0 ? '{}' : `{ ${members.join(', ')} }`;
  }
  return JSON.stringify(value);
}

/** Two-space JSON that keeps short arrays and small flat objects on one line. */
export function formatJson(value: unknown, indent = ''): string {
  const flat = (v: unknown): boolean => typeof v !== 'object' || v === null || (Array.isArray(v) && v.every((i) => typeof i !== 'object' || i === null));
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const inline = inlineJson(value);
  if (inline.length <= 72 && (Array.isArray(value) ? value : Object.values(value)).every(flat)) return inline;
  const inner = `${indent}  `;
  if (Array.isArray(value)) return `[\n${value.map((v) => `${inner}${formatJson(v, inner)}`).join(',\n')}\n${indent}]`;
  const members = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`);
  return `{\n${members.join(',\n')}\n${indent}}`;
}

/** The starter project file for a repository. Pure; the caller writes it (never over an existing file). */
export function renderStarterProject(facts: RepoFacts): string {
  const repoUrl = facts.originUrl === undefined ? undefined : normaliseRepoUrl(facts.originUrl);
  const dataset = facts.dataFiles[0];
  const project: Record<string, unknown> = {
    customerID: 'Admin',
    ...(repoUrl !== undefined ? { ml_repo_url: repoUrl } : {}),
    ...(facts.flavor !== undefined ? { ml_model_flavor: facts.flavor === 'tensorflow' ? 'keras' : facts.flavor } : {}),
    training_configuration: {
      mode: 'classic',
      data_tags: [dataset !== undefined ? tagFor(dataset) : 'mnist'],
      training_rounds: 3,
      min_available_clients: 2,
      min_fit_clients: 2,
      min_evaluate_clients: 2,
    },
    flower: {
      version: defaultFlowerVersion,
      strategy: { name: 'FedAvg' },
      round_config: { local_epochs: 1, learning_rate: 0.01, batch_size: 32 },
    },
    simulation: {
      learners: 2,
      dataset: { ...(dataset !== undefined ? { file: dataset } : {}), seed: 42, partitioning: { method: 'iid' } },
      mlflow: { enabled: false },
    },
    target: 'generated',
  };
  return `${formatJson(project)}\n`;
}

import { isMap } from 'yaml';
import { parseYamlInput } from '../config/yaml-input';
import { condaDependencies, parseSpec } from '../config/conda-spec';

/**
 * The user's Python dependencies as pip requirements, for the generated pyproject.toml (and the
 * image). FLOps reads only conda.yaml (flops-contract.md §2.3); a requirements.txt is accepted too.
 * Applied like FLOps' builder: the python pin and pip itself are dropped (the image decides the
 * interpreter) and mlflow is removed (learners have none); flwr is dropped because the generated app
 * pins its own.
 */

export const dependencyFiles = ['conda.yaml', 'requirements.txt'] as const;
export type DependencyFile = (typeof dependencyFiles)[number];

export interface UserDependencies {
  readonly source: DependencyFile;
  readonly requirements: readonly string[];
  /** conda packages that are not Python packages (system libraries, CUDA, conda metapackages): not installed. */
  readonly skipped: readonly string[];
}

export type DependencyResult = { readonly ok: true; readonly value: UserDependencies } | { readonly ok: false; readonly message: string };

const dropped = new Set(['python', 'pip', 'mlflow', 'mlflow-skinny', 'flwr']);

/**
 * conda packages that are system libraries, CUDA runtimes or conda metapackages rather than Python
 * distributions: pip cannot install them, and the pip wheels of the frameworks bundle what they need
 * (torch wheels carry CUDA, numpy wheels carry OpenBLAS). Kept as data; listed in requirements.txt.
 */
const condaOnly = new Set([
  'cudatoolkit', 'cuda-toolkit', 'cuda-runtime', 'cuda-nvcc', 'cudnn', 'nccl', 'pytorch-cuda', 'cpuonly', 'pytorch-mutex',
  'blas', 'libblas', 'libcblas', 'liblapack', 'openblas', 'libopenblas', 'mkl', 'mkl-service', 'mkl_fft', 'mkl_random', 'nomkl', 'intel-openmp', 'llvm-openmp',
  '_libgcc_mutex', '_openmp_mutex', 'libgcc-ng', 'libgomp', 'libstdcxx-ng', 'libgfortran-ng', 'libgfortran5', 'ld_impl_linux-64', 'ld-impl-linux-64',
  'ca-certificates', 'openssl', 'zlib', 'libffi', 'ncurses', 'readline', 'sqlite', 'tk', 'xz', 'bzip2', 'libuuid', 'libzlib', 'tzdata', 'libsqlite', 'libnsl', 'libxcrypt',
  'ffmpeg', 'libjpeg-turbo', 'jpeg', 'libpng', 'libtiff', 'libwebp', 'freetype', 'lcms2', 'openjpeg',
].map((name) => name.replace(/_/g, '-'))); // parseSpec spells names with "-", as pip normalises them

/** conda package names whose pip distribution is named differently. */
const pipNames: ReadonlyMap<string, string> = new Map([
  ['pytorch', 'torch'],
  ['pytorch-cpu', 'torch'],
  ['pytorch-gpu', 'torch'],
  ['py-xgboost', 'xgboost'],
]);

/** A conda constraint in pip syntax: `=1.26` (1.26.*) becomes `==1.26.*`; build strings are dropped. */
export function condaConstraintToPip(constraint: string): string | undefined {
  const c = constraint.trim();
  if (c === '') return '';
  // `1.26.*` or `1.26` (space-separated form, already split off the name) and `=1.26[=build]`.
  const exact = /^=?(\d+(?:\.\d+)*)(?:\.\*)?(?:=\S+)?$/.exec(c);
  if (exact !== null) return `==${exact[1] ?? ''}.*`;
  const pipLike = c.replace(/\s+/g, '');
  if (/^(==|>=|<=|>|<|!=|~=)\d[\w.*]*(,(==|>=|<=|>|<|!=|~=)\d[\w.*]*)*$/.test(pipLike)) return pipLike;
  return undefined;
}

function fromConda(text: string): DependencyResult {
  const input = parseYamlInput('conda.yaml', text);
  if (input.doc.errors.length > 0 || !isMap(input.doc.contents)) return { ok: false, message: 'conda.yaml is not a valid conda environment file (run `flops lint` for details).' };
  const requirements: string[] = [];
  const skipped: string[] = [];
  for (const dep of condaDependencies(input)) {
    const name = dep.source === 'conda' ? (pipNames.get(dep.name) ?? dep.name) : dep.name;
    if (dropped.has(name)) continue;
    if (dep.source === 'conda' && condaOnly.has(dep.name)) {
      skipped.push(dep.spec.trim());
      continue;
    }
    if (dep.source === 'pip') {
      requirements.push(dep.spec.trim());
      continue;
    }
    const constraint = condaConstraintToPip(dep.constraint);
    if (constraint === undefined) return { ok: false, message: `conda.yaml: cannot translate "${dep.spec}" into a pip requirement; write it as name, name=1.2 or name>=1.2,<2.` };
    requirements.push(`${name}${constraint}`);
  }
  return { ok: true, value: { source: 'conda.yaml', requirements: unique(requirements), skipped: unique(skipped) } };
}

function fromRequirements(text: string): DependencyResult {
  const requirements: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    if (line.startsWith('-')) return { ok: false, message: `requirements.txt: options such as "${line}" are not supported; list plain requirements (name, name==1.2, name>=1,<2).` };
    if (dropped.has(parseSpec(line).name)) continue;
    requirements.push(line);
  }
  return { ok: true, value: { source: 'requirements.txt', requirements: unique(requirements), skipped: [] } };
}

/** Reads the first dependency file present (conda.yaml, then requirements.txt). */
export function userDependencies(files: Readonly<Partial<Record<DependencyFile, string>>>): DependencyResult {
  const conda = files['conda.yaml'];
  if (conda !== undefined) return fromConda(conda);
  const requirements = files['requirements.txt'];
  if (requirements !== undefined) return fromRequirements(requirements);
  return { ok: false, message: 'No dependencies file: the repository needs a conda.yaml (as FLOps requires) or a requirements.txt at its root.' };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

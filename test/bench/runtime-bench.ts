import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { projectFileSchema } from '../../extension/core/config/project-file';
import { renderRuntime } from '../../extension/core/generate/render';
import { ensureTestPython } from '../python/python-env';
import { writeFileSync } from 'node:fs';

/**
 * Issue #10's per-round figures: the bundled example under Flower's subprocess isolation (a fresh
 * process per message), first round vs later rounds, through the learner host against the baseline
 * measured in the same run (every message rebuilding the ModelManager and loading its data, as a
 * ClientApp without the host would). Real `datasets`, numpy and scikit-learn from the test venv.
 */
export function runtimeFigures(say: (line: string) => void, scratch: string, root: string): void {
  const python = ensureTestPython(() => undefined);
  const work = path.join(scratch, 'bench-runtime');
  const repo = path.join(work, 'repo');
  const app = path.join(work, 'app');
  cpSync(path.join(root, 'examples/mnist-sklearn'), repo, { recursive: true, filter: (s) => !s.includes(`${path.sep}.flops`) });
  mkdirSync(app, { recursive: true });
  for (const f of renderRuntime({ config: projectFileSchema.parse({ ml_model_flavor: 'sklearn' }), flavor: 'sklearn', repoName: 'bench', dependencies: { source: 'requirements.txt', requirements: [], skipped: [] } })) {
    mkdirSync(path.dirname(path.join(app, f.path)), { recursive: true });
    writeFileSync(path.join(app, f.path), f.content);
  }
  const rounds = 4;
  const out = execFileSync(python, [path.join(root, 'test/fixtures/python/round_bench.py'), app, repo, work, path.join(repo, 'data/digits.csv'), String(rounds)], { encoding: 'utf8', timeout: 900_000 });
  const { host, rebuild } = JSON.parse(out.trim().split('\n').pop() ?? '') as { host: number[]; rebuild: number[] };
  const later = (xs: number[]): number => xs.slice(1).reduce((a, b) => a + b, 0) / Math.max(1, xs.length - 1);
  const s = (x: number | undefined): string => `${(x ?? NaN).toFixed(2)} s`;
  say(`# runtime benchmark: examples/mnist-sklearn, 2 learners, a fresh process per message (Flower's subprocess isolation), ${rounds} rounds`);
  say(`baseline (ModelManager and data rebuilt in every message): round 1 ${s(rebuild[0])}, later rounds ${s(later(rebuild))}`);
  say(`learner host (built once per learner): round 1 ${s(host[0])}, later rounds ${s(later(host))} -> ${(later(host) / later(rebuild)).toFixed(2)}x the baseline's later rounds`);
}

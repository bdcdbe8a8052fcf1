import assert from 'node:assert/strict';
import { projectFileSchema } from '../../../../extension/core/config/project-file';
import { checkProjectRules } from '../../../../extension/core/config/project-rules';
import { datasetCandidates, formatJson, renderStarterProject } from '../../../../extension/core/config/starter-project';
import type { RepoEntry } from '../../../../extension/core/ports';

const files = (...paths: string[]): RepoEntry[] => paths.map((p) => ({ path: p, kind: 'file', size: 1 }));

describe('starter project file (FLOps: New Project File)', () => {
  it('uses what the linter detected, and is a valid project without errors', () => {
    const text = renderStarterProject({ flavor: 'pytorch', originUrl: 'git@github.com:Example-Org/My.Repo.git', dataFiles: ['data/cifar 10.csv'] });
    const config = projectFileSchema.parse(JSON.parse(text));
    assert.equal(config.ml_model_flavor, 'pytorch');
    assert.equal(config.ml_repo_url, 'https://github.com/Example-Org/my.repo');
    assert.deepEqual(config.training_configuration.data_tags, ['cifar-10']);
    assert.equal(config.simulation.dataset.file, 'data/cifar 10.csv');
    assert.deepEqual(checkProjectRules(config, { fileExists: (p) => p === 'data/cifar 10.csv' }), []);
    assert.ok(text.endsWith('}\n'));
  });

  it('leaves out what it does not know', () => {
    const config = JSON.parse(renderStarterProject({ flavor: undefined, originUrl: 'https://gitlab.com/a/b', dataFiles: [] })) as Record<string, unknown>;
    assert.equal(config['ml_model_flavor'], undefined);
    assert.equal(config['ml_repo_url'], undefined);
    assert.deepEqual(checkProjectRules(projectFileSchema.parse(config)), []);
  });

  it('maps tensorflow to keras', () => {
    assert.equal((JSON.parse(renderStarterProject({ flavor: 'tensorflow', originUrl: undefined, dataFiles: [] })) as Record<string, unknown>)['ml_model_flavor'], 'keras');
  });

  it('finds dataset candidates, data folders first, JSON only there', () => {
    assert.deepEqual(datasetCandidates(files('train.csv', 'data/digits.csv', 'config.json', 'data/meta.json', 'x/y/z.parquet', 'notes.txt')), ['data/digits.csv', 'data/meta.json', 'train.csv', 'x/y/z.parquet']);
  });

  it('formats short arrays and flat objects inline', () => {
    assert.equal(formatJson({ a: [1, 2], b: { c: 1 }, d: { e: { f: 1 } } }), '{\n  "a": [1, 2],\n  "b": { "c": 1 },\n  "d": {\n    "e": { "f": 1 }\n  }\n}');
  });
});

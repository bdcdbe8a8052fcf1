import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { projectJsonSchema, slaJsonSchema, type JsonSchema } from '../../../../extension/core/config/json-schemas';
import { slaFileMatch } from '../../../../extension/core/config/oakestra-sla';
import { repoRoot } from '../../repo-paths';

/** Every property of a JSON Schema, with its path (union variants and array items included). */
function properties(schema: JsonSchema, at = ''): [string, JsonSchema][] {
  const found: [string, JsonSchema][] = [];
  const visit = (node: unknown, where: string): void => {
    if (typeof node !== 'object' || node === null) return;
    const s = node as JsonSchema;
    for (const [key, child] of Object.entries((s['properties'] as Record<string, JsonSchema> | undefined) ?? {})) {
      found.push([`${where}.${key}`, child]);
      visit(child, `${where}.${key}`);
    }
    visit(s['items'], `${where}[]`);
    if (typeof s['additionalProperties'] === 'object') visit(s['additionalProperties'], `${where}{}`);
    for (const variant of (s['oneOf'] as unknown[] | undefined) ?? []) visit(variant, where);
  };
  visit(schema, at);
  return found;
}

describe('JSON Schemas for editors', () => {
  for (const [name, schema] of [
    ['flops-project', projectJsonSchema()],
    ['oakestra-sla', slaJsonSchema()],
  ] as const) {
    it(`${name}: every field has a description, and every non-object field examples (hover and completion text)`, () => {
      const props = properties(schema);
      assert.ok(props.length > 40);
      for (const [where, prop] of props) {
        assert.ok(typeof prop['description'] === 'string' && prop['description'].length > 0, `${where} has a description`);
        if (prop['type'] !== 'object') assert.ok(Array.isArray(prop['examples']) && prop['examples'].length > 0, `${where} has examples`);
      }
    });

    it(`${name}: is a valid draft-07 schema`, () => {
      assert.equal(schema['$schema'], 'http://json-schema.org/draft-07/schema#');
      assert.doesNotThrow(() => new Ajv().compile(schema));
    });
  }

  it('the project schema accepts {} and the example project, and rejects a wrong type', () => {
    const validate = new Ajv().compile(projectJsonSchema());
    assert.ok(validate({}));
    assert.ok(validate(JSON.parse(readFileSync(path.join(repoRoot, 'examples/mnist-sklearn/flops.json'), 'utf8'))));
    assert.equal(validate({ training_configuration: { training_rounds: 'three' } }), false);
    assert.equal(validate({ flower: { strategy: { name: 'FedSGD' } } }), false);
  });

  it('package.json wires both schemas with narrow file matches, and the snippets', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      contributes: { jsonValidation: { fileMatch: string | string[]; url: string }[]; snippets: { path: string }[] };
      activationEvents: string[];
    };
    const byUrl = new Map(pkg.contributes.jsonValidation.map((v) => [v.url, ([] as string[]).concat(v.fileMatch)]));
    assert.deepEqual(byUrl.get('./schemas/flops-project.schema.json'), ['flops.json']);
    assert.deepEqual(byUrl.get('./schemas/oakestra-sla.schema.json'), [...slaFileMatch]);
    for (const patterns of byUrl.values()) for (const p of patterns) assert.doesNotMatch(p, /^\*(\.json)?$|^\*\*/, 'never all JSON files');
    assert.deepEqual(pkg.contributes.snippets, [{ path: './snippets/flops.code-snippets' }]);
    for (const pattern of slaFileMatch) assert.ok(pkg.activationEvents.includes(`workspaceContains:**/${pattern}`), pattern);
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { oakestraSlaSchema, slaMicroserviceSchema } from '../../../../extension/core/config/oakestra-sla';
import { checkSlaSemantics } from '../../../../extension/core/config/sla-checks';
import { slaFlowerAppTemplate, slaServiceTemplate } from '../../../../extension/core/generate/sla-templates';
import { expandSnippetBody, type Snippet } from '../../../../extension/core/generate/snippets';
import { repoRoot } from '../../repo-paths';

/** The committed snippet file, as VS Code reads it. */
const snippets = JSON.parse(readFileSync(path.join(repoRoot, 'snippets/flops.code-snippets'), 'utf8')) as Record<string, Snippet>;
const byPrefix = (prefix: string): Snippet => {
  const found = Object.values(snippets).find((s) => s.prefix === prefix);
  assert.ok(found, `a snippet with prefix ${prefix}`);
  return found;
};
const templateText = (flavor: string, file: string): string => readFileSync(path.join(repoRoot, 'extension/core/generate/templates/repo', flavor, file), 'utf8');

describe('snippets/flops.code-snippets', () => {
  it('uses the fl- prefix and a scope for every snippet', () => {
    for (const [name, s] of Object.entries(snippets)) {
      assert.match(s.prefix, /^fl-/, name);
      assert.ok(s.scope.length > 0 && s.description.length > 0, name);
    }
  });

  for (const flavor of ['sklearn', 'pytorch', 'keras']) {
    for (const [prefix, file] of [
      [`fl-model-manager-${flavor}`, 'model_manager.py'],
      [`fl-data-manager-${flavor}`, 'data_manager.py'],
    ] as const) {
      it(`${prefix} inserts exactly the ${flavor} ${file} template`, () => {
        const s = byPrefix(prefix);
        assert.equal(s.scope, 'python');
        assert.equal(`${expandSnippetBody(s.body)}\n`, templateText(flavor, file));
      });
    }
  }

  it('fl-sla inserts the Flower application SLA template, which passes the schema and the lint layer', () => {
    const value = JSON.parse(expandSnippetBody(byPrefix('fl-sla').body)) as unknown;
    assert.deepEqual(value, slaFlowerAppTemplate.value);
    assert.ok(oakestraSlaSchema.safeParse(value).success);
    assert.deepEqual(checkSlaSemantics(value), []);
    assert.match(byPrefix('fl-sla').body.join('\n'), /\$\{1:flapp\}/);
  });

  it('fl-sla-service inserts the service template, which passes the schema and the lint layer', () => {
    const value = JSON.parse(expandSnippetBody(byPrefix('fl-sla-service').body)) as unknown;
    assert.deepEqual(value, slaServiceTemplate.value);
    assert.ok(slaMicroserviceSchema.safeParse(value).success);
    assert.deepEqual(checkSlaSemantics({ applications: [{ microservices: [value] }] }), []);
  });
});

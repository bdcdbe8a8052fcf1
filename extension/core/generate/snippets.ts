import { templateFor, type TemplateFlavor } from './repo-templates';
import { slaFlowerAppTemplate, slaServiceTemplate, type SlaTemplate } from './sla-templates';

/**
 * snippets/flops.code-snippets, generated from the templates the generator and the quick fixes use
 * (`npm run schemas` writes it; a unit test fails when it is stale), so snippets and templates cannot
 * drift apart. Prefix "fl-".
 */

export interface Snippet {
  readonly scope: string;
  readonly prefix: string;
  readonly description: string;
  readonly body: readonly string[];
}

/** Escapes text for a snippet body: `$` and `\` are syntax there, and `}` too inside a placeholder. */
export function escapeSnippetText(text: string, inPlaceholder = false): string {
  return text.replace(inPlaceholder ? /[\\$}]/g : /[\\$]/g, (c) => `\\${c}`);
}

/** The text a snippet inserts, with each placeholder replaced by its default: the inverse of rendering. */
export function expandSnippetBody(body: readonly string[]): string {
  const joined = body.join('\n');
  let out = '';
  let inPlaceholder = false;
  for (let i = 0; i < joined.length; i++) {
    const c = joined[i] as string;
    if (c === '\\' && i + 1 < joined.length && '\\$}'.includes(joined[i + 1] as string)) {
      out += joined[i + 1];
      i++;
    } else if (c === '$' && joined[i + 1] === '{') {
      // ${n:default}: keep the default (defaults here hold no nested placeholders).
      i = joined.indexOf(':', i);
      inPlaceholder = true;
    } else if (c === '$' && /\d/.test(joined[i + 1] ?? '')) {
      while (/\d/.test(joined[i + 1] ?? '')) i++;
    } else if (c === '}' && inPlaceholder) {
      inPlaceholder = false;
    } else out += c;
  }
  return out;
}

function lines(text: string): string[] {
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  return all;
}

function setAt(root: unknown, path: readonly PropertyKey[], value: unknown): void {
  let node = root as Record<PropertyKey, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<PropertyKey, unknown>;
  node[path[path.length - 1] as PropertyKey] = value;
}

function getAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root as Record<PropertyKey, unknown> | undefined;
  for (const key of path) node = node?.[key] as Record<PropertyKey, unknown> | undefined;
  return node;
}

/** The snippet body of a JSON template: two-space JSON with the placeholder strings as tab stops. */
export function jsonSnippetBody(template: SlaTemplate): string[] {
  const copy = structuredClone(template.value);
  const marks: [string, string][] = [];
  template.placeholders.forEach((group, i) => {
    const first = group[0];
    if (first === undefined) return;
    const original = String(getAt(template.value, first));
    const mark = `\u2063${i + 1}\u2063`;
    for (const path of group) setAt(copy, path, mark);
    marks.push([JSON.stringify(mark), `"\${${i + 1}:${escapeSnippetText(JSON.stringify(original).slice(1, -1), true)}}"`]);
  });
  let text = escapeSnippetText(JSON.stringify(copy, null, 2));
  for (const [mark, stop] of marks) text = text.split(mark).join(stop);
  return lines(text);
}

const flavorNames: Record<TemplateFlavor, string> = { sklearn: 'scikit-learn', pytorch: 'PyTorch', keras: 'Keras' };

/** Every snippet, by name (the key of the snippet file). */
export function buildSnippets(): Record<string, Snippet> {
  const snippets: Record<string, Snippet> = {};
  for (const flavor of ['sklearn', 'pytorch', 'keras'] as const) {
    snippets[`FLOps ModelManager (${flavorNames[flavor]})`] = {
      scope: 'python',
      prefix: `fl-model-manager-${flavor}`,
      description: `FLOps model_manager.py for ${flavorNames[flavor]}: the ModelManager skeleton the quick fixes and the generator use.`,
      body: lines(escapeSnippetText(templateFor(flavor, 'model_manager.py'))),
    };
    snippets[`FLOps DataManager (${flavorNames[flavor]})`] = {
      scope: 'python',
      prefix: `fl-data-manager-${flavor}`,
      description: `FLOps data_manager.py for ${flavorNames[flavor]}: DataManager loading the node's data with load_dataset().`,
      body: lines(escapeSnippetText(templateFor(flavor, 'data_manager.py'))),
    };
  }
  snippets['Oakestra SLA: Flower application'] = {
    scope: 'json,jsonc',
    prefix: 'fl-sla',
    description: 'An Oakestra SLA v2.0 with a Flower aggregator (SuperLink) and a learner (SuperNode).',
    body: jsonSnippetBody(slaFlowerAppTemplate),
  };
  snippets['Oakestra SLA: service'] = {
    scope: 'json,jsonc',
    prefix: 'fl-sla-service',
    description: 'One Oakestra container service (microservice) for an application\'s "microservices" list.',
    body: jsonSnippetBody(slaServiceTemplate),
  };
  return snippets;
}

/** The content of snippets/flops.code-snippets. */
export function snippetsFileContent(): string {
  return `${JSON.stringify(buildSnippets(), null, 2)}\n`;
}

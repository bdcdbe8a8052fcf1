import { projectJsonSchema, slaJsonSchema } from './config/json-schemas';
import { escapeCell, schemaFieldsTable } from './config/schema-markdown';
import { slaChecks } from './config/sla-checks';
import { snippetsFileContent } from './generate/snippets';

/**
 * Files generated from the core's schemas and templates, committed so that VS Code (jsonValidation,
 * snippets) and readers get them without a build. `npm run schemas` (scripts/generate-files.mjs) writes
 * them; unit tests fail when a committed copy differs from a fresh generation.
 */

export interface GeneratedFile {
  /** Relative to the repository root. */
  readonly path: string;
  readonly content: string;
}

/** Every generated file with its fresh content; pure (the script writes, the tests compare). */
export function generatedFiles(): GeneratedFile[] {
  return [
    { path: 'schemas/flops-project.schema.json', content: `${JSON.stringify(projectJsonSchema(), null, 2)}\n` },
    { path: 'schemas/oakestra-sla.schema.json', content: `${JSON.stringify(slaJsonSchema(), null, 2)}\n` },
    { path: 'snippets/flops.code-snippets', content: snippetsFileContent() },
  ];
}

/** Generated sections of README.md, each between `<!-- name:start -->` and `<!-- name:end -->`. */
export function readmeSections(): Record<string, string> {
  const checks = Object.values(slaChecks).map((c) => `| \`${c.id}\` | ${c.severity} | ${escapeCell(c.title)} | ${escapeCell(c.why)} |`);
  return {
    'project-fields': schemaFieldsTable(projectJsonSchema()),
    'sla-checks': ['| Id | Severity | Checks | Why |', '|---|---|---|---|', ...checks].join('\n') + '\n',
  };
}

/** README text with every generated section replaced; throws when a section's markers are missing. */
export function applyReadmeSections(readme: string): string {
  let text = readme;
  for (const [name, content] of Object.entries(readmeSections())) {
    const start = `<!-- ${name}:start -->`;
    const end = `<!-- ${name}:end -->`;
    const a = text.indexOf(start);
    const b = text.indexOf(end);
    if (a < 0 || b < a) throw new Error(`README.md lacks the ${start} ... ${end} markers`);
    text = `${text.slice(0, a + start.length)}\n${content}${text.slice(b)}`;
  }
  return text;
}

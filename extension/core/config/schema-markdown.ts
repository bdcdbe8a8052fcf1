import type { JsonSchema } from './json-schemas';

/**
 * The README's field reference of the project file, generated from its JSON Schema so that the
 * documentation lists every field with its real default (a unit test compares the README with it).
 */

interface Row {
  readonly path: string;
  readonly type: string;
  readonly defaultValue: string;
  readonly description: string;
}

/** Text for a Markdown table cell: pipes escaped, angle brackets as entities (they would read as HTML). */
export function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, ' ');
}

function asSchema(value: unknown): JsonSchema | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonSchema) : undefined;
}

function typeOf(schema: JsonSchema): string {
  if (Array.isArray(schema['enum'])) return schema['enum'].map((v) => JSON.stringify(v)).join(' | ');
  if (schema['const'] !== undefined) return JSON.stringify(schema['const']);
  if (Array.isArray(schema['oneOf'])) return 'object (one of the variants below)';
  const type = schema['type'];
  if (type === 'array') {
    const items = asSchema(schema['items']);
    return `array of ${items === undefined ? 'any' : typeOf(items)}`;
  }
  if (type === 'object' && schema['properties'] === undefined && asSchema(schema['additionalProperties']) !== undefined) {
    return `object of ${typeOf(asSchema(schema['additionalProperties']) as JsonSchema)}`;
  }
  const constraints: string[] = [];
  for (const [key, label] of [
    ['minimum', '≥'],
    ['exclusiveMinimum', '>'],
    ['maximum', '≤'],
    ['exclusiveMaximum', '<'],
  ] as const) {
    if (typeof schema[key] === 'number') constraints.push(`${label} ${String(schema[key])}`);
  }
  const format = typeof schema['format'] === 'string' ? ` (${schema['format']})` : '';
  return `${typeof type === 'string' ? type : 'any'}${format}${constraints.length > 0 ? `, ${constraints.join(', ')}` : ''}`;
}

function collect(schema: JsonSchema, prefix: string, rows: Row[]): void {
  const properties = asSchema(schema['properties']) ?? {};
  for (const [key, value] of Object.entries(properties)) {
    const child = asSchema(value);
    if (child === undefined) continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const defaultValue = child['default'] === undefined ? '—' : `\`${JSON.stringify(child['default'])}\``;
    const description = typeof child['description'] === 'string' ? child['description'] : '';
    rows.push({ path, type: typeOf(child), defaultValue, description });
    if (asSchema(child['properties']) !== undefined) collect(child, path, rows);
    const variants = Array.isArray(child['oneOf']) ? child['oneOf'].map(asSchema).filter((v): v is JsonSchema => v !== undefined) : [];
    if (variants.length > 0) collectVariants(variants, path, child['default'], rows);
  }
}

/**
 * A discriminated union: one row for the discriminator, then each field once, labelled with the
 * discriminator values it applies to unless it applies to all.
 */
function collectVariants(variants: readonly JsonSchema[], path: string, unionDefault: unknown, rows: Row[]): void {
  const discriminatorOf = (variant: JsonSchema): [string, unknown] | undefined => {
    const entry = Object.entries(asSchema(variant['properties']) ?? {}).find(([, v]) => asSchema(v)?.['const'] !== undefined);
    return entry === undefined ? undefined : [entry[0], asSchema(entry[1])?.['const']];
  };
  const key = discriminatorOf(variants[0] as JsonSchema)?.[0];
  if (key === undefined) return;
  const values = variants.map((v) => discriminatorOf(v)?.[1]);
  const chosen = asSchema(unionDefault)?.[key];
  rows.push({ path: `${path}.${key}`, type: values.map((v) => JSON.stringify(v)).join(' | '), defaultValue: chosen === undefined ? '—' : `\`${JSON.stringify(chosen)}\``, description: 'Selects the variant; the fields below depend on it.' });
  const merged = new Map<string, { row: Row; values: unknown[] }>();
  variants.forEach((variant, i) => {
    const own: JsonSchema = { properties: Object.fromEntries(Object.entries(asSchema(variant['properties']) ?? {}).filter(([k]) => k !== key)) };
    const variantRows: Row[] = [];
    collect(own, path, variantRows);
    for (const row of variantRows) {
      const id = JSON.stringify(row);
      const entry = merged.get(id) ?? { row, values: [] };
      entry.values.push(values[i]);
      merged.set(id, entry);
    }
  });
  for (const { row, values: applies } of merged.values()) {
    const label = applies.length === variants.length ? '' : `*${key} ${applies.map((v) => JSON.stringify(v)).join(', ')}:* `;
    rows.push({ ...row, description: `${label}${row.description}` });
  }
}

/** A Markdown table of every field of an object schema: path, type, default, description. */
export function schemaFieldsTable(schema: JsonSchema): string {
  const rows: Row[] = [];
  collect(schema, '', rows);
  const lines = ['| Field | Type | Default | Meaning |', '|---|---|---|---|'];
  for (const row of rows) lines.push(`| \`${row.path}\` | ${escapeCell(row.type)} | ${escapeCell(row.defaultValue)} | ${escapeCell(row.description)} |`);
  return `${lines.join('\n')}\n`;
}

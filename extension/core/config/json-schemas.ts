import { z } from 'zod';
import { oakestraSlaSchema } from './oakestra-sla';
import { projectFileSchema } from './project-file';

/**
 * The JSON Schemas in schemas/, generated from the zod schemas (the only source of truth) with zod 4's
 * `z.toJSONSchema`. Draft-07, because VS Code's JSON language service and most other editors read it
 * fully, and Oakestra's own validator schema uses only draft-07 keywords. The input side of each schema
 * is what a user writes, so fields with defaults are optional, as they are in the file.
 */

export type JsonSchema = Record<string, unknown>;

function toJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, {
    target: 'draft-7',
    io: 'input',
    override: (ctx) => {
      // z.int() adds the safe-integer bounds; they are noise in hover text.
      const json = ctx.jsonSchema as Record<string, unknown>;
      if (json['maximum'] === Number.MAX_SAFE_INTEGER) delete json['maximum'];
      if (json['minimum'] === Number.MIN_SAFE_INTEGER) delete json['minimum'];
    },
  });
}

/** schemas/flops-project.schema.json */
export function projectJsonSchema(): JsonSchema {
  return toJsonSchema(projectFileSchema);
}

/** schemas/oakestra-sla.schema.json */
export function slaJsonSchema(): JsonSchema {
  return toJsonSchema(oakestraSlaSchema);
}

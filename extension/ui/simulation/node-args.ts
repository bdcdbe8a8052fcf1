import * as vscode from 'vscode';
import { z } from 'zod';

/**
 * Command arguments are input from outside the command (a tree node VS Code hands back, a test, a
 * keybinding, another extension), so they are parsed here once. Tree nodes are monitor-model.ts's
 * plain objects; only the fields the commands use are read.
 */
const nodeArgSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('repo'), repo: z.string().min(1) }),
  z.object({ kind: z.literal('run'), repo: z.string().min(1), runId: z.string().min(1) }),
  z.object({ kind: z.literal('member'), repo: z.string().min(1), runId: z.string().min(1), service: z.string().min(1), learner: z.int().min(1).optional() }),
]);

export type NodeArg = z.infer<typeof nodeArgSchema>;

/** A node of the Runs tree, or `undefined` for anything else (no argument, a URI, ...). */
export function parseNodeArg(value: unknown): NodeArg | undefined {
  const parsed = nodeArgSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

const startArgsSchema = z.object({
  folder: z.union([z.string().min(1), z.custom<vscode.Uri>((v) => v instanceof vscode.Uri, 'a vscode.Uri')]),
  learners: z.int().min(1).optional(),
  rounds: z.int().min(1).optional(),
  force: z.boolean().optional(),
});

/** `flops.simulate.start` called with `{ folder, learners?, rounds?, force? }` (tests, other extensions): nothing is asked. */
export type StartArgs = z.infer<typeof startArgsSchema>;

export function parseStartArgs(value: unknown): { readonly ok: true; readonly args: StartArgs } | { readonly ok: false; readonly problem: string } | undefined {
  if (typeof value !== 'object' || value === null || !('folder' in value)) return undefined;
  const parsed = startArgsSchema.safeParse(value);
  if (parsed.success) return { ok: true, args: parsed.data };
  return { ok: false, problem: parsed.error.issues.map((i) => `${i.path.join('.') || 'argument'}: ${i.message}`).join('; ') };
}

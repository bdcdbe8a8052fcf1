import type { RuleId, Severity } from '../../findings/finding';

/**
 * How one Oakestra SLA check is written: its metadata (sla-checks.ts lists them all) and a visitor that
 * sees each application, then each of its services, then the whole document, and reports issues. The
 * walker (checkSlaSemantics) creates a fresh visitor per SLA, so a check may keep state (names seen).
 * Checks read raw JSON defensively: they also run on SLAs that fail the schema.
 */

export interface SlaCheckMeta {
  readonly id: RuleId;
  readonly severity: Severity;
  /** What the check wants, in one line. */
  readonly title: string;
  /** What goes wrong otherwise. */
  readonly why: string;
}

export type Json = Record<string, unknown>;

export type Report = (path: readonly PropertyKey[], message: string) => void;

export interface SlaVisitor {
  application?(app: Json, path: readonly PropertyKey[], report: Report): void;
  service?(service: Json, path: readonly PropertyKey[], report: Report): void;
  document?(sla: Json, report: Report): void;
}

export interface SlaCheck {
  readonly meta: SlaCheckMeta;
  readonly visitor: () => SlaVisitor;
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The objects of an array with their indexes (anything else in it is the schema's business). */
export function objects(value: unknown): [Json, number][] {
  return Array.isArray(value) ? value.flatMap((v, i): [Json, number][] => (isObject(v) ? [[v, i]] : [])) : [];
}

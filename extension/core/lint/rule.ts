import type { Fix, Range, RuleId, Severity } from '../findings/finding';
import type { LintContext } from './lint-context';

/** Which inputs a rule reads; mirrors the "needs" column of the rule catalogue. */
export type RuleNeed = 'tree' | 'py' | 'yaml' | 'config' | 'git';

export interface RuleMeta {
  readonly id: RuleId;
  readonly severity: Severity;
  readonly needs: readonly RuleNeed[];
  /**
   * True for rules that matter only to the FLOps add-on's own image builder (reserved names, conda-only
   * dependencies): errors when the project targets the add-on, warnings otherwise, because our generator
   * handles those cases.
   */
  readonly builderOnly?: boolean;
  /** One line: what the rule checks. */
  readonly title: string;
  /** Why FLOps needs it: what breaks, and how late. */
  readonly why: string;
  /** How to fix it. */
  readonly fix: string;
}

/** A finding before the runner attaches rule id and effective severity. */
export interface RuleReport {
  readonly file: string;
  readonly range: Range;
  readonly message: string;
  readonly fixes?: readonly Fix[];
  /** Overrides the rule's default severity for this report (e.g. an unreadable required file). */
  readonly severity?: Severity;
}

export interface Rule {
  readonly meta: RuleMeta;
  check(ctx: LintContext): readonly RuleReport[];
}

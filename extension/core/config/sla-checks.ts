import type { Severity } from '../findings/finding';
import { address } from './sla-checks/address';
import { constraint } from './sla-checks/constraint';
import { duplicateName } from './sla-checks/duplicate-name';
import { image } from './sla-checks/image';
import { nameLength } from './sla-checks/name-length';
import { port } from './sla-checks/port';
import { runtime } from './sla-checks/runtime';
import { isObject, objects, type Report, type SlaCheck, type SlaCheckMeta, type SlaVisitor } from './sla-checks/sla-check';
import { unknownKey } from './sla-checks/unknown-key';
import { values } from './sla-checks/values';

/**
 * The lint layer of Oakestra SLAs (oakestra-api.md §8 "Validation layers"): what the server accepts but
 * handles badly, or what its scheduler ignores. The schema layer is oakestra-sla.ts. Each check is a
 * small named file in sla-checks/ (its metadata and a visitor, see sla-check.ts); a new check is a new
 * file plus a row below. The order below is the order of the issues.
 */

export type { SlaCheckMeta } from './sla-checks/sla-check';

/** The schema layer's findings (oakestra-sla.ts), listed with the checks for the docs and SARIF. */
const schema: SlaCheckMeta = {
  id: 'flops/sla-schema',
  severity: 'error',
  title: 'The SLA is JSON and passes Oakestra\'s validator: required fields, 1–30 letter-or-digit names, empty microserviceID, string port, integer resources, sla_version "v2.0".',
  why: 'The server answers a bare 422 (schema) or 500 (version) without saying what is wrong (oakestra#171).',
};

const checks = { nameLength, duplicateName, runtime, image, port, address, constraint, values, unknownKey } as const satisfies Record<string, SlaCheck>;

export type SlaCheckKey = 'schema' | keyof typeof checks;

/** Every SLA check's metadata by key, in the order of README's table (generated from it). */
export const slaChecks: Readonly<Record<SlaCheckKey, SlaCheckMeta>> = {
  schema,
  nameLength: nameLength.meta,
  constraint: constraint.meta,
  port: port.meta,
  address: address.meta,
  duplicateName: duplicateName.meta,
  runtime: runtime.meta,
  image: image.meta,
  values: values.meta,
  unknownKey: unknownKey.meta,
};

export interface SlaIssue {
  readonly check: SlaCheckKey;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  /** Absent: the check's severity. */
  readonly severity?: Severity;
}

/** Checks an SLA's content beyond the schema. Pure; never throws, whatever the JSON. */
export function checkSlaSemantics(sla: unknown): SlaIssue[] {
  const issues: SlaIssue[] = [];
  if (!isObject(sla)) return issues;
  const visitors = (Object.entries(checks) as [keyof typeof checks, SlaCheck][]).map(([key, check]): [SlaVisitor, Report] => [
    check.visitor(),
    (path, message) => issues.push({ check: key, path, message }),
  ]);
  for (const [app, a] of objects(sla['applications'])) {
    const appPath: PropertyKey[] = ['applications', a];
    for (const [visitor, report] of visitors) visitor.application?.(app, appPath, report);
    for (const [ms, m] of objects(app['microservices'])) {
      const msPath: PropertyKey[] = [...appPath, 'microservices', m];
      for (const [visitor, report] of visitors) visitor.service?.(ms, msPath, report);
    }
  }
  for (const [visitor, report] of visitors) visitor.document?.(sla, report);
  return issues;
}

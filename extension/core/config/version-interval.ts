import { compareVersions } from './conda-spec';

/**
 * The versions a constraint allows, as one interval: enough to tell whether two constraints can both
 * hold. conda's `=1.26` and `1.26.*` and pip's `==1.26.*` are the prefix 1.26 (1.26 ≤ v < 1.27);
 * `~=2.1` is 2.1 ≤ v < 3; `!=` excludes single versions and is ignored here.
 */
export interface VersionInterval {
  readonly lo?: readonly number[];
  readonly loInclusive: boolean;
  readonly hi?: readonly number[];
  readonly hiInclusive: boolean;
}

const everything: VersionInterval = { loInclusive: true, hiInclusive: true };

function bump(version: readonly number[]): number[] {
  const next = [...version];
  next[next.length - 1] = (next[next.length - 1] ?? 0) + 1;
  return next;
}

function intersect(a: VersionInterval, b: VersionInterval): VersionInterval {
  let { lo, loInclusive, hi, hiInclusive } = a;
  if (b.lo !== undefined && (lo === undefined || compareVersions(b.lo, lo) > 0 || (compareVersions(b.lo, lo) === 0 && !b.loInclusive))) {
    lo = b.lo;
    loInclusive = b.loInclusive;
  }
  if (b.hi !== undefined && (hi === undefined || compareVersions(b.hi, hi) < 0 || (compareVersions(b.hi, hi) === 0 && !b.hiInclusive))) {
    hi = b.hi;
    hiInclusive = b.hiInclusive;
  }
  return { ...(lo !== undefined ? { lo } : {}), loInclusive, ...(hi !== undefined ? { hi } : {}), hiInclusive };
}

/** The interval of a constraint (`==1.23.5`, `=1.26`, `>=1,<2`, …); undefined when it cannot be read. */
export function versionInterval(constraint: string, dialect: 'conda' | 'pip'): VersionInterval | undefined {
  const parts = constraint.replace(/\s+/g, '').split(',').filter((p) => p !== '');
  let result = everything;
  for (const part of parts) {
    const m = /^(==|=|>=|<=|>|<|~=|!=)?(\d+(?:\.\d+)*)(\.\*)?(?:=[\w.]+)?$/.exec(part);
    if (m === null) return undefined;
    const op = m[1] ?? (dialect === 'conda' ? '=' : '==');
    const version = (m[2] ?? '').split('.').map(Number);
    const prefix = m[3] !== undefined || (op === '=' && dialect === 'conda');
    let piece: VersionInterval;
    switch (op) {
      case '=':
      case '==':
        piece = prefix ? { lo: version, loInclusive: true, hi: bump(version), hiInclusive: false } : { lo: version, loInclusive: true, hi: version, hiInclusive: true };
        break;
      case '>=':
        piece = { lo: version, loInclusive: true, hiInclusive: true };
        break;
      case '>':
        piece = { lo: version, loInclusive: false, hiInclusive: true };
        break;
      case '<=':
        piece = { loInclusive: true, hi: version, hiInclusive: true };
        break;
      case '<':
        piece = { loInclusive: true, hi: version, hiInclusive: false };
        break;
      case '~=':
        piece = { lo: version, loInclusive: true, hi: bump(version.slice(0, Math.max(1, version.length - 1))), hiInclusive: false };
        break;
      default:
        piece = everything;
    }
    result = intersect(result, piece);
  }
  return result;
}

/** Whether some version satisfies both intervals. */
export function intervalsOverlap(a: VersionInterval, b: VersionInterval): boolean {
  const both = intersect(a, b);
  if (both.lo === undefined || both.hi === undefined) return true;
  const order = compareVersions(both.lo, both.hi);
  return order < 0 || (order === 0 && both.loInclusive && both.hiInclusive);
}

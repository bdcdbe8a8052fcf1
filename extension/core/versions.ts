/**
 * Release numbers compared component by component (`1.41` < `1.43`, `1.26` = `1.26.0`): the one
 * comparison for Docker API versions, conda/pip pins and Flower releases. Strings are split on "."
 * (a non-numeric part counts as 0).
 */
export function compareVersions(a: string | readonly number[], b: string | readonly number[]): number {
  const pa = typeof a === 'string' ? parseVersion(a) : a;
  const pb = typeof b === 'string' ? parseVersion(b) : b;
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function parseVersion(text: string): number[] {
  return text.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : 0));
}

/**
 * What a pinned flwr release itself requires (its wheel's `Requires-Dist`), as data, so that lint can
 * flag user pins that cannot be installed next to it before a minutes-long image build finds out.
 * Only ranges read from a source are listed:
 * - numpy `>=1.26.0,<3.0.0`: flwr 1.22.0's framework/pyproject.toml, and unchanged in 1.27.0 (checked
 *   by installing flwr 1.27.0 from PyPI, issue #10);
 * - protobuf `>=5.28,<7`: flwr 1.27.0 (issue #10; 1.22.0 still had `^4.21.6`, so releases in between
 *   are not listed until read).
 * Add a release's other ranges (grpcio, cryptography, typer, …) here once read from its metadata.
 */
export interface FlowerRequirement {
  readonly name: string;
  /** PEP 440 specifier, e.g. `>=1.26.0,<3.0.0`. */
  readonly specifier: string;
  /** Which flwr releases (major.minor) require it this way. */
  readonly releases: readonly string[];
}

export const flowerRequirements: readonly FlowerRequirement[] = [
  { name: 'numpy', specifier: '>=1.26.0,<3.0.0', releases: ['1.23', '1.24', '1.25', '1.26', '1.27'] },
  { name: 'protobuf', specifier: '>=5.28,<7', releases: ['1.27'] },
];

/** The requirements of a flwr version (`1.27.0` → the entries for `1.27`). */
export function requirementsOfFlower(version: string): FlowerRequirement[] {
  const release = version.split('.').slice(0, 2).join('.');
  return flowerRequirements.filter((r) => r.releases.includes(release));
}

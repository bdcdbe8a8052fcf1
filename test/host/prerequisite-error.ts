/**
 * Something the extension-host run needs is missing and could not be installed (Chromium,
 * Node 24, code-server). The runner turns it into `SKIP …` (exit 0), or a failure when
 * FLOPS_TEST_STRICT=1.
 */
export class PrerequisiteError extends Error {
  override name = 'PrerequisiteError';
}

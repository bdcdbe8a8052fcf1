/** GitHub repository URLs in the form FLOps' builder clones (flops-contract.md). */

/** What FLOps accepts: https://github.com/<owner>/<repo>, the repository name in lowercase. */
export const canonicalRepoUrl = /^https:\/\/github\.com\/([A-Za-z0-9-]+)\/([a-z0-9._-]+)$/;

/** The canonical FLOps form of a GitHub URL, when one can be derived. */
export function normaliseRepoUrl(url: string): string | undefined {
  const trimmed = url.trim();
  const ssh = /^git@github\.com:([^/]+)\/(.+?)(?:\.git)?\/?$/.exec(trimmed);
  const https = /^(?:https?:\/\/)?(?:www\.)?github\.com\/([^/]+)\/([^/#?]+?)(?:\.git)?(?:\/.*)?$/.exec(trimmed);
  const m = ssh ?? https;
  if (m?.[1] === undefined || m[2] === undefined) return undefined;
  // Offered as a fix only when the result is a valid URL (never built from quotes or spaces of bad input).
  const fixed = `https://github.com/${m[1]}/${m[2].toLowerCase()}`;
  return canonicalRepoUrl.test(fixed) ? fixed : undefined;
}

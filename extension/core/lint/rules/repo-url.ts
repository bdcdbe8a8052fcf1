import type { Rule } from '../rule';
import { valueRange } from './flavor-mismatch';
import { canonicalRepoUrl, normaliseRepoUrl } from '../../config/repo-url';


export const repoUrl: Rule = {
  meta: {
    id: 'flops/repo-url',
    severity: 'error',
    needs: ['config'],
    builderOnly: true,
    title: 'ml_repo_url is exactly https://github.com/<owner>/<repo>, with a lowercase repository name.',
    why: 'FLOps resolves HEAD through the GitHub API (a failure is an HTTP 500 on the project POST), clones with the URL as given, and puts the repo name into image references, where uppercase is invalid.',
    fix: 'Normalise the URL, or derive it from the origin remote.',
  },
  check(ctx) {
    const url = ctx.config?.ml_repo_url;
    if (url === undefined || ctx.project === undefined) return [];
    if (canonicalRepoUrl.test(url)) return [];
    const range = ctx.project.locate(['ml_repo_url']);
    const fixed = normaliseRepoUrl(url);
    const reason = /^git@/.test(url)
      ? 'SSH URLs are not supported'
      : !/^https:\/\/github\.com\//.test(url)
        ? 'FLOps supports only public GitHub repositories over https'
        : /\.git$|\/$/.test(url)
          ? 'a ".git" suffix or trailing "/" breaks the GitHub API lookup'
          : /\/tree\/|\/blob\//.test(url)
            ? 'a branch or file path is not a repository URL'
            : /[A-Z]/.test(url.split('/')[4] ?? '')
              ? 'uppercase letters in the repository name make an invalid image reference'
              : 'it is not of the form https://github.com/<owner>/<repo>';
    return [
      {
        file: ctx.project.path,
        range,
        message: `ml_repo_url "${url}" cannot be used by FLOps: ${reason}.${fixed !== undefined ? ` Use "${fixed}".` : ''}`,
        fixes: fixed !== undefined ? [{ title: `Use ${fixed}`, edits: [{ kind: 'replace', file: ctx.project.path, range: valueRange(ctx.project.text, range), text: JSON.stringify(fixed) }] }] : [],
      },
    ];
  },
};

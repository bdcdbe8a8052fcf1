import path from 'node:path';

/** Where to reach the registry: kept even when a surrounding `npm run` exported them. */
const keep = /^npm_config_(registry|cafile|proxy|https_proxy|noproxy|strict_ssl)$/i;

/**
 * The environment for a tool that must run under Node 24: Node 24's bin first on PATH, and none
 * of the `npm_*` variables a surrounding `npm run` exports (npm_config_local_prefix would point
 * a nested npm at this repository, npm_config_user_agent names the wrong Node,
 * npm_config_nodedir=/usr the wrong headers, and an empty npm_config_allow_scripts would
 * override allowScripts), except the registry settings.
 */
export function toolEnv(nodeBin: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if ((!/^npm_/i.test(key) || keep.test(key)) && key !== 'INIT_CWD') env[key] = value;
  }
  env['PATH'] = [path.dirname(nodeBin), process.env['PATH'] ?? '/usr/bin:/bin'].join(path.delimiter);
  return { ...env, ...extra };
}

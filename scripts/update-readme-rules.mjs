// Rewrites the rule reference in README.md (between the rules markers) from the rule metadata, via
// the built CLI. A unit test fails when the README and the rules disagree.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const readmePath = path.join(root, 'README.md');
const markdown = execFileSync(process.execPath, [path.join(root, 'dist/cli.js'), 'rules', '--format', 'markdown'], { encoding: 'utf8' });
const readme = readFileSync(readmePath, 'utf8');
const start = '<!-- rules:start -->';
const end = '<!-- rules:end -->';
const a = readme.indexOf(start);
const b = readme.indexOf(end);
if (a < 0 || b < a) throw new Error('README.md lacks the rules markers');
writeFileSync(readmePath, `${readme.slice(0, a + start.length)}\n${markdown}${readme.slice(b)}`);

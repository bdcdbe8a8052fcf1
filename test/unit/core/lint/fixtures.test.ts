import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { allRules } from '../../../../extension/core/lint/rules/all-rules';
import { lintDir } from '../../lint-fixture';
import { fixturesDir } from '../../repo-paths';

interface Expectation {
  findings: { rule: string; file: string; line: number; severity?: string }[];
  noErrors?: boolean;
  noWarnings?: boolean;
}

const fixtures = readdirSync(fixturesDir).filter((d) => existsSync(path.join(fixturesDir, d, 'expect.json')));

describe('lint rules on fixture repos (test/fixtures/repos/*/expect.json)', () => {
  for (const name of fixtures) {
    const expectation = JSON.parse(readFileSync(path.join(fixturesDir, name, 'expect.json'), 'utf8')) as Expectation;
    it(name, async () => {
      const findings = await lintDir(path.join(fixturesDir, name));
      const shown = findings.map((f) => `${f.severity} ${f.rule} ${f.file}:${f.range.start.line + 1} ${f.message}`).join('\n');
      for (const want of expectation.findings) {
        const hit = findings.find((f) => f.rule === want.rule && f.file === want.file && f.range.start.line + 1 === want.line);
        assert.ok(hit, `expected ${want.rule} at ${want.file}:${want.line}; got:\n${shown}`);
        if (want.severity !== undefined) assert.equal(hit.severity, want.severity, `severity of ${want.rule}`);
      }
      if (expectation.noErrors === true) assert.deepEqual(findings.filter((f) => f.severity === 'error').map((f) => `${f.rule} ${f.file}:${f.range.start.line + 1}`), [], shown);
      if (expectation.noWarnings === true) assert.deepEqual(findings.filter((f) => f.severity === 'warning').map((f) => `${f.rule} ${f.file}:${f.range.start.line + 1}`), [], shown);
    });
  }

  it('covers every rule of the catalogue with a fixture that breaks it', () => {
    const covered = new Set(
      fixtures.flatMap((name) => (JSON.parse(readFileSync(path.join(fixturesDir, name, 'expect.json'), 'utf8')) as Expectation).findings.map((f) => f.rule)),
    );
    // unpushed-changes needs a git repository, which a fixture folder cannot hold: see git-state.test.ts.
    const coveredElsewhere = new Set(['flops/unpushed-changes']);
    const uncovered = allRules.map((r) => r.meta.id).filter((id) => !covered.has(id) && !coveredElsewhere.has(id));
    assert.deepEqual(uncovered, []);
  });
});

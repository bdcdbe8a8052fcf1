import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { applyReadmeSections, generatedFiles } from '../../../extension/core/generated-files';
import { repoRoot } from '../repo-paths';

describe('generated files are up to date (run `npm run schemas` after changing a schema or template)', () => {
  for (const file of generatedFiles()) {
    it(file.path, () => {
      const committed = readFileSync(path.join(repoRoot, file.path), 'utf8');
      assert.ok(committed === file.content, `${file.path} differs from a fresh generation: run \`npm run schemas\``);
    });
  }

  it('README.md (project fields and SLA checks)', () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    assert.ok(applyReadmeSections(readme) === readme, 'the generated README sections are stale: run `npm run schemas`');
  });
});

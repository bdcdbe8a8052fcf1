import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';

interface PreparedResult {
  kind: string;
  plan?: { files: { path: string; action: string }[] };
}

describe('"FLOps: Generate FL Wrappers" in the editor', () => {
  const root = (): string => path.join(process.env['FLOPS_TEST_WORKSPACE'] ?? '', 'mnist-ready');
  const generate = (onEdited: 'keep' | 'overwrite'): Thenable<PreparedResult | undefined> =>
    vscode.commands.executeCommand<PreparedResult | undefined>('flops.generate.run', vscode.Uri.file(root()), { onEdited });

  before(async () => {
    await vscode.extensions.getExtension('flops.flops-vscode')?.activate();
  });

  it('writes the Flower app into .flops/ of a lint-clean repo', async () => {
    const result = await generate('keep');
    assert.equal(result?.kind, 'planned');
    for (const file of ['manifest.json', 'pyproject.toml', 'compose.yaml', 'flops_app/server_app.py', 'flops_app/client_app.py', 'flops_app/adapter.py']) {
      assert.ok(existsSync(path.join(root(), '.flops', file)), `.flops/${file} written`);
    }
  });

  it('keeps a generated file the user edited, and overwrites it only when asked', async () => {
    const adapter = path.join(root(), '.flops', 'flops_app', 'adapter.py');
    appendFileSync(adapter, '\n# my local change\n');
    const kept = await generate('keep');
    assert.ok(kept?.plan?.files.some((f) => f.path === 'flops_app/adapter.py' && f.action === 'keep-edited'), 'reported as edited');
    assert.match(readFileSync(adapter, 'utf8'), /# my local change/);
    const again = await generate('keep');
    assert.ok(again?.plan?.files.some((f) => f.path === 'flops_app/adapter.py' && f.action === 'keep-edited'), 'still reported on the next run');
    await generate('overwrite');
    assert.doesNotMatch(readFileSync(adapter, 'utf8'), /# my local change/);
    const clean = await generate('keep');
    assert.ok(clean?.plan?.files.every((f) => f.action === 'unchanged'), 'regenerating without changes touches nothing');
  });
});

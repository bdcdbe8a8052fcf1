import assert from 'node:assert/strict';
import path from 'node:path';
import * as vscode from 'vscode';
import { takeScreenshot } from './take-screenshot';

const extensionId = 'flops.flops-vscode';

describe('activation', () => {
  it('opens the test workspace from FLOPS_TEST_WORKSPACE', () => {
    const root = process.env['FLOPS_TEST_WORKSPACE'];
    assert.ok(root, 'the runner sets FLOPS_TEST_WORKSPACE');
    const folders = (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.fsPath);
    assert.deepEqual(folders, ['mnist-ready', 'broken-repo', 'monorepo'].map((f) => path.join(root, f)));
  });

  it(`finds ${extensionId} and activates it`, async () => {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension, `${extensionId} is loaded from the development path`);
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  it('shows the workbench', async () => {
    await takeScreenshot('activation');
  });
});

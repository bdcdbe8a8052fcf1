// The offline extension host (testing.md §2.2). Bump both together with `engines.vscode`:
// code-server 4.139.1 bundles VS Code 1.139.1 and requires Node 24.
export const pinnedVersions = {
  node: '24.21.0',
  codeServer: '4.139.1',
} as const;

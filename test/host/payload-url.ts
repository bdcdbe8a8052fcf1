/**
 * The workbench URL that makes the remote extension host load the extension from source and run
 * the tests module (testing.md §2.4). Works only when code-server runs with
 * `--vscode-option enable-smoke-test-driver`; otherwise the payload is silently ignored.
 */
export function payloadUrl(origin: string, workspaceFile: string, extensionPath: string, testsModule: string): string {
  const authority = new URL(origin).host;
  const remote = (absPath: string): string => `vscode-remote://${authority}${absPath}`;
  const payload = [
    ['extensionDevelopmentPath', remote(extensionPath)],
    ['extensionTestsPath', remote(testsModule)],
    ['skipWelcome', 'true'],
  ];
  return `${origin}/?workspace=${encodeURIComponent(workspaceFile)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

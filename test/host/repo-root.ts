import path from 'node:path';

/** The extension's root. This file is bundled to dist/test/host/*.js, three levels below it. */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');

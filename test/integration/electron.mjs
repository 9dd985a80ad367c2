// Desktop launcher for the same integration suite: downloads VS Code through
// @vscode/test-electron (needs internet; the CI machine uses launch.mjs with
// code-server instead). Usage: node test/integration/electron.mjs
import { runTests } from '@vscode/test-electron';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
try {
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'out/test/integration/index.js'),
    launchArgs: [join(root, 'examples'), '--disable-extensions'],
  });
} catch (e) {
  console.error(`integration tests failed: ${e.message}`);
  process.exit(1);
}

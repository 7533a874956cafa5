import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** The browser tests and the served pages need the current build of web/. */
export default function buildWebPages(): void {
  execFileSync(process.execPath, [join(__dirname, '..', 'web', 'build.mjs')], {
    stdio: 'inherit',
  });
}

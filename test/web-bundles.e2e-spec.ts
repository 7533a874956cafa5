import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { WEB_DIST } from '../src/web/web-pages';

/** What a customer's visitors download to see the launcher, socket.io-client included. */
const WIDGET_BUDGET_BYTES = 40 * 1024;
/** What an agent's browser downloads once per deployment (the file names carry a content hash). */
const CONSOLE_BUDGET_BYTES = 80 * 1024;

const gzippedSize = (path: string) => gzipSync(readFileSync(path)).length;

describe('bundle budgets (gzipped)', () => {
  it('keeps widget.js within 40 KB', () => {
    expect(
      gzippedSize(join(WEB_DIST, 'embed', 'widget.js')),
    ).toBeLessThanOrEqual(WIDGET_BUDGET_BYTES);
  });

  it("keeps the console's scripts and styles within 80 KB", () => {
    const assets = join(WEB_DIST, 'console', 'assets');
    const total = readdirSync(assets)
      .filter((file) => /\.(js|css)$/.test(file))
      .reduce((sum, file) => sum + gzippedSize(join(assets, file)), 0);
    expect(total).toBeLessThanOrEqual(CONSOLE_BUDGET_BYTES);
  });
});

// Builds the pages the server serves (web/dist): the widget, the agent console, the demo site and the
// typed client as an ES module. `--watch` rebuilds on every change.
import { build, context } from 'esbuild';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const out = join(root, 'dist');
const watch = process.argv.includes('--watch');

const shared = {
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  target: ['chrome111', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
};

/** The embed script keeps one name, so the snippet on customers' sites never changes. */
const widget = {
  ...shared,
  entryPoints: [join(root, 'widget/main.tsx')],
  outfile: join(out, 'embed/widget.js'),
  format: 'iife',
};

const client = {
  ...shared,
  entryPoints: [join(root, 'client/index.ts')],
  outfile: join(out, 'embed/client.js'),
  format: 'esm',
};

/** The console's files carry a content hash in their names, so they can be cached for good. */
const consoleApp = {
  ...shared,
  entryPoints: [join(root, 'console/main.tsx')],
  outdir: join(out, 'console/assets'),
  entryNames: '[name]-[hash]',
  format: 'esm',
  metafile: true,
  plugins: [
    {
      name: 'console-page',
      setup(pluginBuild) {
        pluginBuild.onEnd(async (result) => {
          if (result.errors.length > 0) return;
          await writeConsolePage(result.metafile);
        });
      },
    },
  ],
};

async function writeConsolePage(metafile) {
  const assets = Object.keys(metafile.outputs).map((file) =>
    file.slice(file.indexOf('console/assets/') + 'console/assets/'.length),
  );
  const script = assets.find((file) => file.endsWith('.js'));
  const style = assets.find((file) => file.endsWith('.css'));
  const template = await readFile(join(root, 'console/index.html'), 'utf8');
  const page = template
    .replace('%SCRIPT%', `/console/assets/${script}`)
    .replace(
      '%STYLE%',
      style ? `<link rel="stylesheet" href="/console/assets/${style}" />` : '',
    );
  await writeFile(join(out, 'console/index.html'), page);
}

async function copyDemo() {
  await mkdir(join(out, 'demo'), { recursive: true });
  await cp(join(root, 'demo'), join(out, 'demo'), { recursive: true });
}

await rm(out, { recursive: true, force: true });
await mkdir(join(out, 'console/assets'), { recursive: true });
await copyDemo();
if (watch) {
  for (const options of [widget, client, consoleApp]) {
    await (await context(options)).watch();
  }
  console.log('Watching web/ for changes');
} else {
  await Promise.all(
    [widget, client, consoleApp].map((options) => build(options)),
  );
}

// Bundles web/ into dist/web: hashed, immutable assets under assets/, index.html pointing at them, and a
// .gz and .br copy of each text file so the server sends precompressed bytes. Run by `npm run build:web`.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const final = join(root, 'dist', 'web');
// Built beside the old output and swapped in at the end, so a server starting meanwhile sees a whole build.
const out = join(root, 'dist', `web.tmp-${process.pid}`);
const assets = join(out, 'assets');
const started = performance.now();

rmSync(out, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { app: 'web/src/main.tsx' },
  bundle: true,
  minify: process.env.WEB_MINIFY !== '0',
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  outdir: assets,
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  loader: { '.svg': 'file', '.png': 'file', '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file' },
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => relative(assets, join(root, p)));
const js = outputs.find((p) => /^app-.*\.js$/.test(p));
const css = outputs.find((p) => /^app-.*\.css$/.test(p));
if (!js || !css) throw new Error(`esbuild did not produce app-*.js and app-*.css: ${outputs.join(', ')}`);

const html = readFileSync(join(root, 'web', 'index.html'), 'utf8')
  .replace('%JS%', `/assets/${js}`)
  .replace('%CSS%', `/assets/${css}`);
writeFileSync(join(out, 'index.html'), html);

// Precompress everything text-like once here, at the highest levels: the server never compresses per request.
const sizes = [];
const compress = (file) => {
  const raw = readFileSync(file);
  const gz = gzipSync(raw, { level: 9 });
  const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } });
  writeFileSync(`${file}.gz`, gz);
  writeFileSync(`${file}.br`, br);
  sizes.push({ file: relative(out, file), raw: raw.length, gzip: gz.length, brotli: br.length });
};
for (const f of readdirSync(assets)) if (/\.(js|css|html|svg|txt|json|map)$/.test(f)) compress(join(assets, f));
compress(join(out, 'index.html'));

const old = join(root, 'dist', `web.old-${process.pid}`);
if (existsSync(final)) renameSync(final, old);
renameSync(out, final);
rmSync(old, { recursive: true, force: true });

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
for (const s of sizes) console.log(`${s.file.padEnd(40)} ${kib(s.raw).padStart(11)} raw ${kib(s.gzip).padStart(10)} gzip ${kib(s.brotli).padStart(10)} br`);
const other = readdirSync(join(final, 'assets')).filter((f) => !/\.(gz|br)$/.test(f) && !sizes.some((s) => s.file.endsWith(f)));
for (const f of other) console.log(`${('assets/' + f).padEnd(40)} ${kib(statSync(join(final, 'assets', f)).size).padStart(11)} raw`);
console.log(`web UI built into ${relative(root, final)} in ${Math.round(performance.now() - started)} ms`);

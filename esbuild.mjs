// Bundles the CLI, the inference worker and (once it exists) the extension. `vscode` is provided by
// the editor; `onnxruntime-node` and `tokenizers` ship native binaries that cannot be bundled, so
// they stay external and resolve from node_modules at run time.
import { existsSync } from 'node:fs';
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const entryPoints = { cli: 'src/cli.ts', sessionWorker: 'src/model/sessionWorker.ts' };
if (existsSync('src/extension.ts')) entryPoints.extension = 'src/extension.ts';

await esbuild.build({
  entryPoints,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outdir: 'dist',
  external: ['vscode', 'onnxruntime-node', 'tokenizers'],
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
});

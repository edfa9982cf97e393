// Bundles the CLI, the inference worker and the extension. `vscode` is provided by
// the editor; `onnxruntime-node` and `tokenizers` ship native binaries that cannot be bundled, so
// they stay external and resolve from node_modules at run time.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const entryPoints = { cli: 'src/cli.ts', sessionWorker: 'src/model/runtime/sessionWorker.ts', extension: 'src/extension.ts' };

await esbuild.build({
  entryPoints,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outdir: 'dist',
  external: ['vscode', 'onnxruntime-node', 'tokenizers'],
  // web-tree-sitter's ES module reads import.meta.url, which a CommonJS bundle lacks: give it the bundle's own.
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
});

// tree-sitter's wasm runtime and the grammars of src/syntax/treeSitterChecker.ts go beside the
// bundle: the syntax check of candidates runs offline, in the .vsix as in the CLI.
const require = createRequire(import.meta.url);
mkdirSync('dist/grammars', { recursive: true });
copyFileSync(require.resolve('web-tree-sitter/tree-sitter.wasm'), 'dist/tree-sitter.wasm');
copyFileSync(require.resolve('tree-sitter-python/tree-sitter-python.wasm'), 'dist/grammars/python.wasm');

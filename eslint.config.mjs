// Lint rules, including the layering of ARCHITECTURE.md, one rule per layer boundary: `vscode` only in
// src/extension.ts and src/providers/; `onnxruntime-node` only in the model runtime (its worker
// process, src/model/runtime/sessionWorker.ts; type imports anywhere in src/model/runtime/); the pure
// layers (core, sampler, infill, tokenizer, syntax) import neither; the CLI never imports the editor's
// layer. The sampler and the model have subfolders, so their patterns name both depths.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noVscode = { name: 'vscode', message: 'Only src/extension.ts and src/providers/ may import vscode.' };
const noOrt = { name: 'onnxruntime-node', message: 'Only the model runtime (src/model/runtime/sessionWorker.ts) may import onnxruntime-node.' };
const modelBelowInfill = { group: ['../infill*', '../providers*', '../../infill*', '../../providers*'], message: 'model sits below infill.' };
const noProviders = { group: ['**/providers', '**/providers/**', '**/extension'], message: 'The CLI and bench run without the editor: no src/providers, no src/extension.' };
// Plain Node ES modules (scripts/*.mjs, bench/*.mjs) run without a build: Node's globals. (The CommonJS
// test runners in test/ declare theirs in a /* global */ comment.)
const nodeGlobals = Object.fromEntries([
  'process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'AbortController', 'AbortSignal',
  'TextEncoder', 'TextDecoder', 'performance', 'structuredClone', 'queueMicrotask', 'fetch',
  'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate',
].map((g) => [g, 'readonly']));
const layer = (files, paths, patterns = []) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { paths, patterns }] },
});

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'media/**', 'training/**', '.ci/**', '*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      curly: ['error', 'multi-line'],
      eqeqeq: ['error', 'smart'],
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  layer(['src/core/**/*.ts'], [noVscode, noOrt, { name: 'tokenizers', message: 'core is dependency-free.' }],
    [{ group: ['../*'], message: 'core imports no other layer.' }]),
  layer(['src/sampler/**/*.ts'], [noVscode, noOrt, { name: 'tokenizers', message: 'The sampler works on ids only.' }],
    [{ group: ['../infill*', '../model*', '../tokenizer*', '../providers*', '../../infill*', '../../model*', '../../tokenizer*', '../../providers*'], message: 'sampler may import only core.' }]),
  layer(['src/tokenizer/**/*.ts'], [noVscode, noOrt],
    [{ group: ['../infill*', '../model*', '../sampler*', '../providers*'], message: 'tokenizer may import only core.' }]),
  layer(['src/infill/**/*.ts'], [noVscode, noOrt],
    [{ group: ['../model*', '../providers*'], message: 'infill sees the model only through the Denoiser interface.' }]),
  // The model folder contract (folder/) and the model's surface (index.ts) import no onnxruntime at all.
  layer(['src/model/**/*.ts'], [noVscode, noOrt], [modelBelowInfill]),
  // onnxruntime loads in the worker process only, which turns its telemetry off first (runtimeTelemetry.ts);
  // the rest of the runtime may name its types.
  {
    files: ['src/model/runtime/**/*.ts'],
    ignores: ['src/model/runtime/sessionWorker.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [noVscode, { ...noOrt, message: 'Only src/model/runtime/sessionWorker.ts loads onnxruntime-node (telemetry off first).', allowTypeImports: true }],
        patterns: [modelBelowInfill],
      }],
    },
  },
  layer(['src/model/runtime/sessionWorker.ts'], [noVscode], [modelBelowInfill]),
  layer(['src/syntax/**/*.ts'], [noVscode, noOrt],
    [{ group: ['../model*', '../providers*'], message: 'syntax checks text for infill: no model, no editor.' }]),
  layer(['src/cli.ts', 'src/cli/**/*.ts', 'bench/**/*.ts'], [noVscode, noOrt], [noProviders]),
  // The forward benchmark times onnxruntime's own session options, below the engine, on purpose.
  layer(['bench/forward.ts'], [noVscode], [noProviders]),
  layer(['src/extension.ts', 'src/providers/**/*.ts'], [noOrt]),
  { files: ['src/cli.ts', 'bench/**/*.ts', 'test/**/*.ts'], rules: { 'no-console': 'off' } },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module', globals: nodeGlobals } },
);

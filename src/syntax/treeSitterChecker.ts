import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';
import type { SyntaxChecker } from '../infill/syntax';
import { indentationErrors } from './pythonIndentation';
import { undefinedNames } from './pythonNames';
import { blankStringsAndComments } from './pythonSource';

/**
 * Grammars by VS Code language id: the wasm each grammar's own npm package ships. The build
 * copies them to `dist/grammars/<language>.wasm` (esbuild.mjs), so the packaged extension and
 * the CLI parse offline; unbundled code (tests, benchmarks) finds them in node_modules.
 */
const GRAMMARS: Readonly<Record<string, string>> = {
  python: 'tree-sitter-python/tree-sitter-python.wasm',
};

/** Where a language's grammar is: beside the bundle, else in its npm package; undefined when neither has it. */
function grammarFile(language: string, bundleDir: string): string | undefined {
  const bundled = path.join(bundleDir, 'grammars', `${language}.wasm`);
  if (existsSync(bundled)) return bundled;
  try {
    return require.resolve(GRAMMARS[language]);
  } catch {
    return undefined;
  }
}

/**
 * Loads tree-sitter (a wasm runtime: no native binary, no network) and every grammar it can find.
 * `bundleDir` is the folder of the running bundle (`dist/`), which holds `tree-sitter.wasm` too.
 */
export async function loadSyntaxChecker(bundleDir: string = __dirname): Promise<SyntaxChecker> {
  const runtime = path.join(bundleDir, 'tree-sitter.wasm');
  await Parser.init(existsSync(runtime) ? { locateFile: () => runtime } : undefined);
  const parsers = new Map<string, Parser>();
  for (const language of Object.keys(GRAMMARS)) {
    const file = grammarFile(language, bundleDir);
    if (file === undefined) continue;
    const parser = new Parser();
    parser.setLanguage(await Language.load(file));
    parsers.set(language, parser);
  }
  return {
    errors(text, languageId) {
      const parser = parsers.get(languageId);
      if (!parser) return undefined;
      const tree = parser.parse(text);
      if (!tree) return undefined;
      try {
        return countErrors(tree.rootNode) + (languageId === 'python' ? pythonErrors(text) : 0);
      } finally {
        tree.delete();
      }
    },
  };
}

/** ERROR and MISSING nodes under `node`, skipping subtrees without any. */
function countErrors(node: Node): number {
  if (!node.hasError) return 0;
  let count = node.isError || node.isMissing ? 1 : 0;
  for (const child of node.children) if (child) count += countErrors(child);
  return count;
}

/**
 * What Python's grammar does not see: it recovers from indentation errors without an ERROR node,
 * and no grammar sees undefined names. One blanking of the strings and comments serves both.
 */
function pythonErrors(text: string): number {
  const code = blankStringsAndComments(text);
  return indentationErrors(code) + undefinedNames(code);
}

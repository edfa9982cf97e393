import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ESLint } from 'eslint';

function packageRoot(from: string): string {
  return existsSync(path.join(from, 'package.json')) ? from : packageRoot(path.dirname(from));
}

/**
 * The layer boundaries of ARCHITECTURE.md are lint rules (eslint.config.mjs); this holds the rules
 * themselves to account: an import across each boundary, linted as if it were in that folder, fails.
 */
describe('lint: every layer boundary', function () {
  this.timeout(60_000);
  const eslint = new ESLint({ cwd: packageRoot(__dirname) });

  const crossings: Array<[file: string, imported: string]> = [
    ['src/core/x.ts', 'vscode'],
    ['src/sampler/x.ts', 'onnxruntime-node'],
    ['src/sampler/x.ts', '../infill'],
    ['src/tokenizer/x.ts', '../sampler'],
    ['src/infill/x.ts', '../model'],
    ['src/infill/x.ts', 'vscode'],
    ['src/syntax/x.ts', '../providers/settings'],
    ['src/model/x.ts', 'vscode'],
    ['src/model/x.ts', 'onnxruntime-node'],
    ['src/model/x.ts', '../infill'],
    ['src/sampler/loop/x.ts', '../../infill'],
    ['src/sampler/kernels/x.ts', '../../model'],
    ['src/model/folder/x.ts', 'onnxruntime-node'],
    ['src/model/runtime/x.ts', 'onnxruntime-node'],
    ['src/model/runtime/x.ts', '../../infill'],
    ['src/providers/x.ts', 'onnxruntime-node'],
    ['src/extension.ts', 'onnxruntime-node'],
    ['src/cli/x.ts', 'vscode'],
    ['src/cli/x.ts', 'onnxruntime-node'],
    ['src/cli/x.ts', '../providers/settingsModel'],
    ['src/cli.ts', './providers/settingsModel'],
    ['bench/x.ts', '../src/providers/settingsModel'],
  ];
  for (const [file, imported] of crossings) {
    it(`${file} may not import '${imported}'`, async () => {
      const [result] = await eslint.lintText(`import * as m from '${imported}';\nexport const x = m;\n`, { filePath: file });
      const rules = result!.messages.map((m) => m.ruleId);
      assert.ok(rules.includes('no-restricted-imports'), `${file} importing ${imported}: ${JSON.stringify(result!.messages)}`);
    });
  }

  it('lets each layer import what it is allowed to', async () => {
    const allowed: Array<[string, string]> = [
      ['src/providers/x.ts', 'vscode'],
      ['src/extension.ts', 'vscode'],
      ['src/model/runtime/sessionWorker.ts', 'onnxruntime-node'],
      ['src/cli/x.ts', '../infill'],
      ['src/infill/x.ts', '../sampler'],
    ];
    for (const [file, imported] of allowed) {
      const [result] = await eslint.lintText(`import * as m from '${imported}';\nexport const x = m;\n`, { filePath: file });
      assert.deepEqual(result!.messages.filter((m) => m.ruleId === 'no-restricted-imports'), [], `${file} importing ${imported}`);
    }
  });
});

import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = packageRoot(__dirname);

function packageRoot(from: string): string {
  return existsSync(path.join(from, 'package.json')) ? from : packageRoot(path.dirname(from));
}

describe('docs: the defaults they name are package.json\'s', () => {
  it('docs/extension.md names the steps slider\'s default as diffuse.steps has it', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
    };
    const steps = manifest.contributes.configuration.properties['diffuse.steps'].default;
    const doc = readFileSync(path.join(ROOT, 'docs', 'extension.md'), 'utf8').replace(/\s+/g, ' ');
    const named = /the default \((\d+)\) is marked `▲` under the track/.exec(doc);
    assert.ok(named, 'docs/extension.md no longer names the slider\'s default: update this test');
    assert.equal(Number(named[1]), steps);
  });
});

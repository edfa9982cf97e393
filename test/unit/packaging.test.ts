import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = packageRoot(__dirname);

function packageRoot(from: string): string {
  return existsSync(path.join(from, 'package.json')) ? from : packageRoot(path.dirname(from));
}

/** The relative targets of the README's links and images (`[..](x)`, `![..](x)`), anchors dropped. */
function relativeLinks(markdown: string): string[] {
  const targets = [...markdown.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1].split('#')[0]);
  return [...new Set(targets.filter((t) => t !== '' && !/^[a-z]+:/i.test(t)))];
}

describe('the details page and the .vsix', function () {
  this.timeout(60_000);
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  let packaged: Set<string>;

  before(() => {
    // What `vsce package` would put in the .vsix, by vsce itself (the .vscodeignore rules).
    const vsce = path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'vsce.cmd' : 'vsce');
    const listed = execFileSync(vsce, ['ls'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    packaged = new Set(listed.split('\n').map((line) => line.trim()).filter(Boolean));
  });

  it('carries every file the README links to or shows, so the details page has its images and links', () => {
    const links = relativeLinks(readme);
    assert.ok(links.filter((l) => l.endsWith('.png')).length >= 3, `README images: ${links.join(', ')}`);
    for (const link of links) {
      assert.ok(existsSync(path.join(ROOT, link)), `README links to ${link}, which does not exist`);
      assert.ok(packaged.has(link), `README links to ${link}, which the .vsix does not carry`);
    }
  });

  it('has a PNG icon in the .vsix, and states the VS Code it needs', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.match(manifest.icon, /\.png$/);
    assert.ok(packaged.has(manifest.icon), `${manifest.icon} is not in the .vsix`);
    assert.deepEqual([...readFileSync(path.join(ROOT, manifest.icon)).subarray(1, 4)], [...Buffer.from('PNG')]);
    const version = /\d+\.\d+/.exec(manifest.engines.vscode)?.[0];
    assert.ok(version && readme.includes(`VS Code ${version}`), `the README does not state VS Code ${version}`);
  });

  it('documents every contributed keybinding in the keys table', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    for (const { command } of manifest.contributes.keybindings as Array<{ command: string }>) {
      assert.ok(readme.includes(`\`${command}\``), `${command} is not in the README's keys table`);
    }
  });

  it('keeps the "Two commands" section with npm start and npm test', () => {
    const section = /^## Two commands\n([\s\S]*?)(?=^## |$(?![\s\S]))/m.exec(readme)?.[1] ?? '';
    assert.match(section, /^npm start\b/m);
    assert.match(section, /^npm test\b/m);
  });
});

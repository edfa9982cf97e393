// Packages the extension as a .vsix for one platform target (default: this machine's), keeping
// only that platform's native binaries of onnxruntime-node and tokenizers: the other platforms'
// would add ~250 MB. Usage: npm run package [-- --target linux-x64] (vsce options pass through).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

// vsce target → [onnxruntime-node bin folder, tokenizers binary suffix]. onnxruntime-node 1.30
// ships no darwin-x64 binary, so Intel Macs are not a target.
const TARGETS = {
  'linux-x64': ['linux/x64', 'linux-x64-gnu'],
  'linux-arm64': ['linux/arm64', 'linux-arm64-gnu'],
  'darwin-arm64': ['darwin/arm64', 'darwin-arm64'],
  'win32-x64': ['win32/x64', 'win32-x64-msvc'],
  'win32-arm64': ['win32/arm64', 'win32-arm64-msvc'],
};

// --target X, --target=X or -t X (as vsce takes it); every other argument goes on to vsce
const args = process.argv.slice(2);
const { values, tokens } = parseArgs({ args, options: { target: { type: 'string', short: 't' } }, strict: false, tokens: true });
const targetArgs = new Set(tokens.filter((t) => t.kind === 'option' && t.name === 'target').flatMap((t) => (t.inlineValue ? [t.index] : [t.index, t.index + 1])));
const passThrough = args.filter((_, i) => !targetArgs.has(i));
const target = typeof values.target === 'string' ? values.target : `${process.platform}-${process.arch}`;
if (!TARGETS[target]) {
  console.error(`unsupported target ${target}; one of: ${Object.keys(TARGETS).join(', ')}`);
  process.exit(2);
}
const [ortFolder, tokenizersSuffix] = TARGETS[target];
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

// vsce re-includes a file that matches any `!` line, whatever the order, so the all-platform
// lines of .vscodeignore are replaced rather than overridden.
const perPlatform = {
  '!node_modules/onnxruntime-node/bin/**': `!node_modules/onnxruntime-node/bin/napi-v6/${ortFolder}/**`,
  '!node_modules/tokenizers/*.node': `!node_modules/tokenizers/tokenizers.${tokenizersSuffix}.node`,
};
const base = readFileSync('.vscodeignore', 'utf8').split('\n');
for (const line of Object.keys(perPlatform)) {
  if (!base.includes(line)) throw new Error(`.vscodeignore lacks the line ${line}`);
}
const ignore = base.map((line) => perPlatform[line] ?? line).join('\n');
const dir = mkdtempSync(path.join(tmpdir(), 'diffuse-vsix-'));
const ignoreFile = path.join(dir, '.vscodeignore');
writeFileSync(ignoreFile, ignore + '\n');

try {
  execFileSync('npx', ['vsce', 'package', '--target', target, '--ignoreFile', ignoreFile, '--allow-missing-repository',
    '--no-rewrite-relative-links', '--out', `diffuse-${version}-${target}.vsix`, ...passThrough], { stdio: 'inherit' });
} finally {
  rmSync(dir, { recursive: true, force: true });
}

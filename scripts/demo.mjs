#!/usr/bin/env node
// The README's "main job": installs what is missing, builds, and fills the example holes in
// examples/holes.jsonl with the bundled default model through the CLI, printing each hole filled.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const run = (cmd, args, env = {}) =>
  execFileSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });

if (!existsSync('node_modules/onnxruntime-node')) {
  // onnxruntime-node's install script would fetch CUDA binaries; its CPU/WebGPU ones ship in the package.
  run('npm', ['ci', '--no-audit', '--no-fund'], { ONNXRUNTIME_NODE_INSTALL: 'skip' });
}
run('npm', ['run', 'build', '--silent']);

const input = process.argv[2] ?? 'examples/holes.jsonl';
const cli = spawnSync(process.execPath, ['dist/cli.js', 'infill', '--input', input, ...process.argv.slice(3)], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
if (cli.status !== 0) process.exit(cli.status ?? 1);

// The tasks as the CLI read them: a byte-order mark dropped, a line it could not parse skipped
// (its error record, below, says why)
const tasks = new Map(readFileSync(input, 'utf8').replace(/^\uFEFF/, '').split('\n').flatMap((line) => {
  try {
    const task = JSON.parse(line);
    return [[task.task_id, task]];
  } catch {
    return [];
  }
}));
for (const line of cli.stdout.split('\n').filter(Boolean)) {
  const out = JSON.parse(line);
  const task = tasks.get(out.task_id) ?? {};
  console.log(`── ${out.task_id ?? '(a line with no task)'}  (${out.tokens ?? 0} tokens, ${out.nfe ?? 0} NFE, ${out.ms ?? 0} ms)`);
  if (out.error) {
    console.log(`   error: ${out.error}`);
    continue;
  }
  const prefix = (task.prefix ?? task.prompt ?? '').split('\n').slice(-3).join('\n');
  const suffix = (task.suffix ?? '').split('\n').slice(0, 2).join('\n');
  console.log(`${prefix}\x1b[7m${out.completion}\x1b[0m${suffix}\n`);
}

/**
 * Infill tasks from a folder of source files, in the CLI's JSONL format with the evaluation fields
 * of training/diffuse/evaluate.py's `tasks` subcommand (task_id, prefix, suffix, expected, kind,
 * path), holes cut by the same rules:
 * - single_line: the rest of a non-blank line after its indentation (the cursor sits after the indent);
 * - multi_line: 2-5 whole lines from the first one's indentation.
 * For development against files that are no benchmark data set (by default this repository's own
 * src/); the model's held-out tasks come from evaluate.py on the corpus' validation split.
 *
 *   node out/bench/makeTasks.js [--from src] [--ext .ts] [--single 100] [--multi 50] [--seed 0]
 *        [--out bench/data/src-tasks.jsonl]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../src/core/rng';
import { list, numbers, parseFlags, repoRoot, run, type BenchTask } from './common';

const FLAGS = {
  from: 'folder to take files from (default src)',
  ext: 'file extensions, comma-separated (default .ts)',
  single: 'single-line tasks (default 100)',
  multi: 'multi-line tasks (default 50)',
  seed: 'seed (default 0)',
  context: 'characters of prefix and suffix kept (default 4000, as evaluate.py)',
  out: 'output file (default bench/data/src-tasks.jsonl)',
};

function walk(dir: string, exts: readonly string[]): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return walk(full, exts);
      return exts.some((e) => name.endsWith(e)) ? [full] : [];
    });
}

export function makeTasks(docs: ReadonlyArray<{ path: string; text: string }>, single: number, multi: number, seed: number, context: number): BenchTask[] {
  const rng = new Rng(seed);
  const pick = (n: number) => Math.floor(rng.nextUniform() * n);
  const tasks: BenchTask[] = [];
  const seen = new Set<string>();
  for (const [kind, n] of [['single_line', single], ['multi_line', multi]] as const) {
    let tries = 0;
    while (tasks.filter((t) => t.kind === kind).length < n && tries < n * 50) {
      tries++;
      const doc = docs[pick(docs.length)];
      const lines = doc.text.split('\n');
      if (lines.length < 8) continue;
      const i = 2 + pick(lines.length - 4);
      const k = kind === 'single_line' ? 1 : 2 + pick(4);
      const block = lines.slice(i, i + k);
      if (block.length < k || block[0].trim().length < 4) continue;
      if (block.some((l) => l.length > 200) || block.reduce((s, l) => s + l.length, 0) > 400) continue;
      const start = lines.slice(0, i).reduce((s, l) => s + l.length + 1, 0);
      const a = start + block[0].length - block[0].replace(/^[ \t]+/, '').length;
      const b = start + block.reduce((s, l) => s + l.length + 1, 0) - 1;
      const key = `${doc.path}:${a}:${b}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const id = createHash('sha256').update(key).digest('hex').slice(0, 12);
      tasks.push({
        task_id: `${kind[0]}-${id}`,
        prefix: doc.text.slice(Math.max(0, a - context), a),
        suffix: doc.text.slice(b, b + context),
        expected: doc.text.slice(a, b),
        kind,
        path: doc.path,
      });
    }
  }
  return tasks;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  const from = path.resolve(repoRoot, flags.from ?? 'src');
  const docs = walk(from, list(flags.ext, '.ts')).map((file) => ({ path: path.relative(repoRoot, file), text: readFileSync(file, 'utf8') }));
  const [single] = numbers(flags.single, '100');
  const [multi] = numbers(flags.multi, '50');
  const [seed] = numbers(flags.seed, '0');
  const [context] = numbers(flags.context, '4000');
  const tasks = makeTasks(docs, single, multi, seed, context);
  const out = path.resolve(flags.out ?? path.join(repoRoot, 'bench', 'data', 'src-tasks.jsonl'));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, tasks.map((t) => JSON.stringify(t)).join('\n') + '\n');
  console.error(`${tasks.length} tasks from ${docs.length} files under ${path.relative(repoRoot, from)} -> ${path.relative(process.cwd(), out)}`);
}

if (require.main === module) run(main);

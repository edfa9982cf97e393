/**
 * What every benchmark shares: flags, the machine and model it ran on, task files (each line read
 * by the CLI's own parser), scoring (the same exact match and edit similarity as
 * training/diffuse/evaluate.py), and the report: a markdown section (machine, model, date, the
 * command that produced it, the table) printed to stdout, plus the full numbers as JSON under
 * bench/results/.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import * as path from 'node:path';
import { isBadLine, parseTask } from '../src/cli/tasks';

/** The repository root: out/bench/ when compiled, bench/ when read as source. */
export const repoRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}out${path.sep}`) ? '../..' : '..');

export type Flags = Record<string, string>;

/** `--key=value` and `--key value` pairs; a bare `--key` is 'true'. Unknown keys are refused. */
export function parseFlags(argv: readonly string[], known: Readonly<Record<string, string>>): Flags {
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    const key = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (key === 'help') {
      console.log(helpText(known));
      process.exit(0);
    }
    if (!(key in known)) throw new Error(`unknown flag --${key}\n${helpText(known)}`);
    if (eq >= 0) flags[key] = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[key] = argv[++i];
    else flags[key] = 'true';
  }
  return flags;
}

function helpText(known: Readonly<Record<string, string>>): string {
  return Object.entries(known).map(([k, v]) => `  --${k.padEnd(14)} ${v}`).join('\n');
}

export function list(value: string | undefined, fallback: string): string[] {
  return (value ?? fallback).split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export function numbers(value: string | undefined, fallback: string): number[] {
  return list(value, fallback).map((s) => {
    const n = Number(s);
    if (!Number.isFinite(n)) throw new Error(`not a number: '${s}'`);
    return n;
  });
}

// -- the machine and the model ----------------------------------------------------------------------

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  onnxruntime: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  const ortVersion = (JSON.parse(readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    onnxruntime: ortVersion,
    platform: `${process.platform}-${process.arch}`,
  };
}

export interface ModelInfo {
  dir: string;
  name: string;
  parameters: number;
  maxLength: number;
  /** First 12 hex digits of model.onnx's sha256: tells quantized variants and retrained models apart. */
  onnxSha256: string;
  onnxMiB: number;
  /** model.cpu.onnx, which the CPU provider runs instead of model.onnx, when the folder has one. */
  cpuOnnx?: { sha256: string; MiB: number };
}

function fileDigest(file: string): { sha256: string; MiB: number } {
  const bytes = readFileSync(file);
  return { sha256: createHash('sha256').update(bytes).digest('hex').slice(0, 12), MiB: Math.round((bytes.length / 2 ** 20) * 10) / 10 };
}

export function modelInfo(dir: string): ModelInfo {
  const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { name: string; parameters: number; max_length: number };
  const onnx = fileDigest(path.join(dir, 'model.onnx'));
  const cpu = path.join(dir, 'model.cpu.onnx');
  return {
    dir: path.relative(repoRoot, path.resolve(dir)) || '.',
    name: meta.name,
    parameters: meta.parameters,
    maxLength: meta.max_length,
    onnxSha256: onnx.sha256,
    onnxMiB: onnx.MiB,
    ...(existsSync(cpu) ? { cpuOnnx: fileDigest(cpu) } : {}),
  };
}

// -- statistics -------------------------------------------------------------------------------------

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

// -- tasks and scoring ------------------------------------------------------------------------------

/** A line of a task file: the CLI's task plus the evaluation fields training/diffuse/evaluate.py writes. */
export interface BenchTask {
  task_id: string;
  prefix: string;
  suffix: string;
  expected?: string;
  kind?: string;
  path?: string;
  max_tokens?: number;
}

/** A task file, each line read as the CLI reads it (src/cli/tasks.ts), plus its evaluation fields; a bad line throws, naming file and line. */
export function readTasks(file: string): BenchTask[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, index) => {
      if (line.trim() === '') return [];
      const task = parseTask(line);
      if (isBadLine(task)) throw new Error(`${file}:${index + 1}: ${task.error}`);
      const { expected, kind, path: source } = JSON.parse(line) as Pick<BenchTask, 'expected' | 'kind' | 'path'>;
      return [{
        task_id: String(task.taskId),
        prefix: task.prefix,
        suffix: task.suffix,
        ...(task.maxTokens === undefined ? {} : { max_tokens: task.maxTokens }),
        ...(expected === undefined ? {} : { expected }),
        ...(kind === undefined ? {} : { kind }),
        ...(source === undefined ? {} : { path: source }),
      }];
    });
}

/** `limit` tasks of each kind, in file order (the files are already shuffled by their seed). */
export function selectTasks(tasks: readonly BenchTask[], kinds: readonly string[], limit: number): BenchTask[] {
  return kinds.flatMap((kind) => tasks.filter((t) => (t.kind ?? 'single_line') === kind).slice(0, limit));
}

/** evaluate.py's exact match: equal after stripping trailing whitespace on both sides. */
export function exactMatch(completion: string, expected: string): boolean {
  return completion.trimEnd() === expected.trimEnd();
}

/**
 * evaluate.py's edit similarity: 1 - Levenshtein / max length, after trimEnd, counted in code points
 * as Python counts (an emoji is one character, not two UTF-16 units). test/fixtures/score-golden.json
 * holds the two to the same numbers.
 */
export function editSimilarity(completion: string, expected: string): number {
  const a = Array.from(completion.trimEnd());
  const b = Array.from(expected.trimEnd());
  if (a.join('') === b.join('')) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return 1 - prev[b.length] / Math.max(a.length, b.length);
}

// -- reports ----------------------------------------------------------------------------------------

export type Row = Record<string, string | number | boolean | null>;

export function markdownTable(rows: readonly Row[]): string {
  if (rows.length === 0) return '(no rows)\n';
  const columns = Object.keys(rows[0]);
  const cell = (v: Row[string]) => (typeof v === 'number' ? (Number.isFinite(v) ? String(v) : 'n/a') : String(v ?? ''));
  return [
    `| ${columns.join(' | ')} |`,
    `|${columns.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${columns.map((c) => cell(r[c])).join(' | ')} |`),
  ].join('\n') + '\n';
}

export interface Report {
  /** bench name, e.g. 'latency'. */
  bench: string;
  title: string;
  machine: MachineInfo;
  model?: ModelInfo | ModelInfo[];
  settings: Record<string, unknown>;
  rows: Row[];
  notes?: string[];
  extra?: Record<string, unknown>;
}

/** The command line that produced this run, as one would type it from the repository root. */
export function commandLine(): string {
  const script = path.relative(repoRoot, process.argv[1]);
  return ['node', script, ...process.argv.slice(2)].map((a) => (/[\s'"$;&|<>()*?]/.test(a) ? `'${a.replace(/'/g, "'\\''")}'` : a)).join(' ');
}

/** `bench/results/<name>-<stamp>.<ext>`, the stamp of the run's date: a run's files share it. */
export function resultsFile(name: string, date: string, ext: 'json' | 'jsonl'): string {
  return path.join(repoRoot, 'bench', 'results', `${name}-${date.replace(/[:.]/g, '-').slice(0, 19)}.${ext}`);
}

/**
 * Prints the markdown section and writes `bench/results/<bench>-<stamp>.json` (or `--json FILE`);
 * `date` (ISO) is the run's, where it already named other files of the run.
 */
export function publish(report: Report, jsonFile?: string, date = new Date().toISOString()): void {
  const m = report.machine;
  const models = report.model === undefined ? [] : Array.isArray(report.model) ? report.model : [report.model];
  const lines = [
    `### ${report.title}`,
    '',
    `- date: ${date.slice(0, 16).replace('T', ' ')} UTC`,
    `- machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.platform}; node ${m.node}; onnxruntime-node ${m.onnxruntime}`,
    ...models.map((x) => `- model: ${x.name} (${x.dir}; ${(x.parameters / 1e6).toFixed(1)}M params; model.onnx ${x.onnxMiB} MiB, sha256 ${x.onnxSha256}${x.cpuOnnx ? `; model.cpu.onnx ${x.cpuOnnx.MiB} MiB, sha256 ${x.cpuOnnx.sha256}, on the CPU provider` : ''})`),
    `- settings: ${Object.entries(report.settings).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')}`,
    `- command: \`${commandLine()}\``,
    '',
    markdownTable(report.rows),
    ...(report.notes ?? []).map((n) => `${n}\n`),
  ];
  console.log(lines.join('\n'));
  const file = jsonFile ?? resultsFile(report.bench, date, 'json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...report, date, command: commandLine() }, null, 1)}\n`);
  console.error(`wrote ${path.relative(process.cwd(), file)}`);
}

/** Runs `main`, printing a failure on stderr with exit code 1. */
export function run(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  });
}

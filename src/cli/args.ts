import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_INFILL_OPTIONS, defaultSteps, TEMPERATURE_RANGE, type InfillOptions } from '../infill';
import { EXECUTION_PROVIDER_CHOICES, type ExecutionProviderChoice } from '../model';
import { KERNELS, STRATEGIES, thresholdUnder } from '../sampler';

/** Arguments the CLI cannot run with; it prints the usage and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface CommonArgs {
  /** A bundled model's name or a model folder; undefined = the default model. */
  readonly model: string | undefined;
  /** VS Code language id of the tasks' text, for the syntax check of candidates; undefined = none. */
  readonly language: string | undefined;
  readonly ep: ExecutionProviderChoice;
  /** Seconds onnxruntime may take to create the session or run one forward pass; undefined = the default. */
  readonly timeout: number | undefined;
  readonly options: InfillOptions;
  readonly verbose: boolean;
}

export interface InfillArgs extends CommonArgs {
  readonly command: 'infill';
  readonly input: string | undefined;
  readonly output: string | undefined;
}

export interface BenchArgs extends CommonArgs {
  readonly command: 'bench';
  readonly input: string;
  readonly runs: number;
  readonly json: boolean;
}

export type CommandLine = InfillArgs | BenchArgs | { readonly command: 'help' };

const COMMON_OPTIONS = {
  model: { type: 'string' },
  language: { type: 'string' },
  input: { type: 'string' },
  ep: { type: 'string' },
  timeout: { type: 'string' },
  steps: { type: 'string' },
  strategy: { type: 'string' },
  kernel: { type: 'string' },
  threshold: { type: 'string' },
  'max-tokens': { type: 'string' },
  'line-tokens': { type: 'string' },
  'line-indents': { type: 'string' },
  lengths: { type: 'string' },
  'inline-lengths': { type: 'string' },
  'inline-breaks': { type: 'string' },
  'prune-after': { type: 'string' },
  candidates: { type: 'string' },
  temperature: { type: 'string' },
  seed: { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

const COMMAND_OPTIONS = {
  infill: { ...COMMON_OPTIONS, output: { type: 'string' } },
  bench: { ...COMMON_OPTIONS, runs: { type: 'string' }, json: { type: 'boolean' } },
} satisfies Record<string, ParseArgsConfig['options']>;

/**
 * The longest `--timeout` in seconds: Node's timers count milliseconds in a signed 32-bit integer,
 * and a longer delay fires at once (the worker would be stopped as soon as it started).
 */
const MAX_TIMEOUT_S = Math.floor((2 ** 31 - 1) / 1000);

/** Parses `argv` (without node and the script); throws `UsageError` for anything it cannot run. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  if (command !== 'infill' && command !== 'bench') throw new UsageError(`unknown command '${command}'`);
  let values: Record<string, string | boolean | undefined>;
  try {
    // No option is `multiple`, so every value is a string or a boolean.
    values = parseArgs({ args: [...rest], options: COMMAND_OPTIONS[command], strict: true, allowPositionals: false })
      .values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { command: 'help' };
  // an empty --model (an unset shell variable) would resolve to the bundled models' folder itself
  if (values.model === '') throw new UsageError('--model needs a bundled model name or a model folder');
  const common: CommonArgs = {
    model: stringValue(values.model),
    language: stringValue(values.language),
    ep: oneOf('--ep', stringValue(values.ep) ?? 'auto', EXECUTION_PROVIDER_CHOICES),
    timeout: values.timeout === undefined ? undefined : integerIn('--timeout', values.timeout, 1, MAX_TIMEOUT_S),
    options: infillOptions(values),
    verbose: values.verbose === true,
  };
  const input = stringValue(values.input);
  if (command === 'infill') return { command, ...common, input, output: stringValue(values.output) };
  if (input === undefined) throw new UsageError('bench needs --input tasks.jsonl');
  const runs = values.runs === undefined ? 3 : positiveInteger('--runs', values.runs);
  return { command, ...common, input, runs, json: values.json === true };
}

/**
 * The defaults, with the flags given; `steps` follows `--max-tokens` in proportion to the engine's
 * defaults (32 slots: 12 steps) unless given itself.
 */
function infillOptions(values: Record<string, string | boolean | undefined>): InfillOptions {
  const maxTokens = values['max-tokens'] === undefined ? DEFAULT_INFILL_OPTIONS.maxTokens : positiveInteger('--max-tokens', values['max-tokens']);
  const strategy = oneOf('--strategy', stringValue(values.strategy) ?? DEFAULT_INFILL_OPTIONS.strategy, STRATEGIES);
  return {
    ...DEFAULT_INFILL_OPTIONS,
    maxTokens,
    steps: values.steps === undefined ? defaultSteps(maxTokens) : positiveInteger('--steps', values.steps),
    strategy,
    // a --threshold given with --strategy random is the sampler's to refuse; the default gives way
    threshold: values.threshold === undefined ? thresholdUnder(strategy, DEFAULT_INFILL_OPTIONS.threshold) : threshold(values.threshold),
    // Absent: the sampler's default kernel, as in the extension.
    ...(values.kernel === undefined ? {} : { kernel: oneOf('--kernel', String(values.kernel), KERNELS) }),
    seed: values.seed === undefined ? DEFAULT_INFILL_OPTIONS.seed : nonNegativeInteger('--seed', values.seed),
    lineTokens: optional(values['line-tokens'], DEFAULT_INFILL_OPTIONS.lineTokens, (v) => positiveInteger('--line-tokens', v)),
    lineIndents: values['line-indents'] === undefined ? DEFAULT_INFILL_OPTIONS.lineIndents : onOff('--line-indents', values['line-indents']),
    lengths: optional(values.lengths, DEFAULT_INFILL_OPTIONS.lengths, (v) => sizes('--lengths', v)),
    inlineLengths: optional(values['inline-lengths'], DEFAULT_INFILL_OPTIONS.inlineLengths, (v) => sizes('--inline-lengths', v)),
    inlineBreaks: values['inline-breaks'] === undefined ? DEFAULT_INFILL_OPTIONS.inlineBreaks : onOff('--inline-breaks', values['inline-breaks']),
    pruneAfter: optional(values['prune-after'], DEFAULT_INFILL_OPTIONS.pruneAfter, (v) => positiveInteger('--prune-after', v)),
    candidates: values.candidates === undefined ? DEFAULT_INFILL_OPTIONS.candidates : positiveInteger('--candidates', values.candidates),
    temperature: values.temperature === undefined ? DEFAULT_INFILL_OPTIONS.temperature : temperature(values.temperature),
  };
}

/** A flag's value, its default when absent, or undefined for 'off'. */
function optional<T>(value: string | boolean | undefined, fallback: T | undefined, read: (value: string | boolean) => T): T | undefined {
  if (value === undefined) return fallback;
  return value === 'off' ? undefined : read(value);
}

function onOff(flag: string, value: string | boolean): boolean {
  return oneOf(flag, String(value), ['on', 'off']) === 'on';
}

/** `flag`'s value, e.g. `--lengths 8,16,32`: candidate hole sizes, each a positive integer. */
function sizes(flag: string, value: string | boolean): number[] {
  return String(value).split(',').map((part) => positiveInteger(flag, part.trim()));
}

/** `--temperature T`, a number in TEMPERATURE_RANGE (the setting's). */
function temperature(value: string | boolean): number {
  const { min, max } = TEMPERATURE_RANGE;
  const t = typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!(t >= min && t <= max)) throw new UsageError(`--temperature must be a number in [${min}, ${max}]; got '${String(value)}'`);
  return t;
}

function stringValue(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got '${value}'`);
  return value as T;
}

function positiveInteger(flag: string, value: string | boolean): number {
  return integerAtLeast(flag, value, 1, 'a positive integer');
}

function nonNegativeInteger(flag: string, value: string | boolean): number {
  return integerAtLeast(flag, value, 0, 'a non-negative integer');
}

function integerAtLeast(flag: string, value: string | boolean, min: number, what: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be ${what}; got '${String(value)}'`);
  return n;
}

function integerIn(flag: string, value: string | boolean, min: number, max: number): number {
  const what = `an integer in [${min}, ${max}]`;
  const n = integerAtLeast(flag, value, min, what);
  if (n > max) throw new UsageError(`${flag} must be ${what}; got '${String(value)}'`);
  return n;
}

/** `--threshold T` in (0, 1], or `off` for plain step-budget decoding. */
function threshold(value: string | boolean): number | undefined {
  if (value === 'off') return undefined;
  const t = typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!(t > 0 && t <= 1)) throw new UsageError(`--threshold must be a number in (0, 1] or 'off'; got '${String(value)}'`);
  return t;
}

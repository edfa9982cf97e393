import { DEFAULT_INFILL_OPTIONS, TEMPERATURE_RANGE } from '../infill';
import { EXECUTION_PROVIDER_CHOICES } from '../model';
import { KERNELS, STRATEGIES } from '../sampler';

const d = DEFAULT_INFILL_OPTIONS;

export const USAGE = `Usage:
  diffuse infill [--model NAME|DIR] [--input tasks.jsonl] [--output out.jsonl] [options]
  diffuse bench --input tasks.jsonl [--model NAME|DIR] [--runs N] [--json] [options]

infill reads one JSON task per line, {"task_id", "prefix" (or "prompt"), "suffix" (optional),
"max_tokens" (optional)}, from --input or stdin, and writes one line per task, in order, to
--output or stdout: {"task_id", "completion", "tokens", "nfe", "ms"}, or {"task_id", "error"} for
a line it cannot fill (stderr names its line number). Blank lines are skipped. Logs go to stderr.

bench fills every task --runs times (after one warm-up fill) with an empty cache and prints the
latency distribution, network calls (NFE) per filled token, tokens/s and the model's load time.

Options:
  --model NAME|DIR     bundled model name or model folder of any family (default: the bundled
                       default model); steps, strategy and threshold adapt to the model's
                       family (docs/model-contract.md)
  --language ID        VS Code language id of the tasks (e.g. python): candidates are ranked by
                       the parse errors they add first (tree-sitter grammars: python)
  --ep PROVIDER        ${EXECUTION_PROVIDER_CHOICES.join(' | ')} (default auto)
  --timeout SECONDS    give up on a model whose session takes longer to create, or one forward
                       pass longer to run (default 60, at most 2147483)
  --steps N            denoising steps, each one network call over all rows (default ${d.steps}
                       for --max-tokens ${d.maxTokens}, in proportion)
  --strategy S         ${STRATEGIES.join(' | ')} (default ${d.strategy})
  --kernel K           ${KERNELS.join(' | ')}: the step kernel of ancestral ('random') steps and of
                       the roulette graph's revisions (default analytic)
  --threshold T        reveal every slot at least this confident, in (0, 1], or off (default ${d.threshold ?? 'off'};
                       off with --strategy random)
  --max-tokens N       the largest hole in mask slots (a block's, and the cap on --lengths);
                       the model pads the slack (default ${d.maxTokens})
  --line-tokens N|off  mask slots of a line-shaped hole (a blank line, a new line at a line start,
                       a selected line), which then keeps one line (default ${d.lineTokens ?? 'off'})
  --line-indents on|off  also try a whole line inserted at a line start indented like each
                       neighbour line, as batch rows (default ${d.lineIndents ? 'on' : 'off'})
  --lengths N,N,..|off candidate hole sizes, tried as batch rows of one run; the fill the model
                       scores best wins (default ${d.lengths?.join(',') ?? 'off'})
  --inline-lengths N,N,..|off  the sizes for holes inside a line, in front of its text, with
                       --lengths; off: --lengths (default ${d.inlineLengths?.join(',') ?? 'off'})
  --inline-breaks on|off  a hole inside a line, in front of its text, keeps the line breaks the
                       model writes; off: its first line (default ${d.inlineBreaks ? 'on' : 'off'})
  --prune-after N|off  after N steps keep only the best-scoring rows (as many as --candidates)
                       and run the rest of the steps on them alone (default ${d.pruneAfter ?? 'off'})
  --candidates N       candidates to keep; at a temperature > 0 sampled per size as batch rows
                       (default ${d.candidates})
  --temperature T      sampling temperature in [${TEMPERATURE_RANGE.min}, ${TEMPERATURE_RANGE.max}]; 0 = greedy (default ${d.temperature})
  --seed N             sampling seed (default ${d.seed})
  --runs N             bench: passes over the tasks (default 3)
  --json               bench: print one JSON object instead of a table
  --verbose            debug logging on stderr
  -h, --help           this text

Exit codes: 0 done (bad task lines become error records), 1 the model cannot be loaded, or bench
had tasks and no fill succeeded, 2 invalid arguments (--output naming the input file is refused),
3 reading the tasks or writing the results failed midway (e.g. a full disk).
`;

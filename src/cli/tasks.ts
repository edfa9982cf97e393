import type { Hole, InfillRequest } from '../infill';

/**
 * One line of a task file (ARCHITECTURE.md §4): `{"task_id", "prefix", "suffix"}`, with `"prompt"`
 * accepted for `"prefix"`, `"suffix"` optional (empty: plain completion) and `"max_tokens"` optional.
 */
export interface Task {
  readonly taskId: string | number;
  /** A numeric task_id's JSON text as written (`12345678901234567890` would not survive a double). */
  readonly rawTaskId?: string;
  readonly prefix: string;
  readonly suffix: string;
  readonly maxTokens?: number;
}

/** A line that is not a task, and the task id when the line got that far. */
export interface BadLine {
  readonly taskId?: string | number;
  readonly rawTaskId?: string;
  readonly error: string;
}

/** Parses one JSONL line into a task, or says what is wrong with it. */
export function parseTask(line: string): Task | BadLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { error: `invalid JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'a task must be a JSON object' };
  const record = value as Record<string, unknown>;
  const taskId = record.task_id;
  if (typeof taskId !== 'string' && typeof taskId !== 'number') return { error: 'task_id must be a string or a number' };
  const id = typeof taskId === 'number' ? { taskId, rawTaskId: rawValue(line, 'task_id') } : { taskId };
  const bad = (error: string): BadLine => ({ ...id, error });
  const prefix = record.prefix ?? record.prompt;
  if (typeof prefix !== 'string') return bad('prefix (or prompt) must be a string');
  const suffix = record.suffix ?? '';
  if (typeof suffix !== 'string') return bad('suffix must be a string');
  const maxTokens = record.max_tokens;
  if (maxTokens === undefined || maxTokens === null) return { ...id, prefix, suffix };
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) return bad('max_tokens must be a positive integer');
  return { ...id, prefix, suffix, maxTokens };
}

export function isBadLine(parsed: Task | BadLine): parsed is BadLine {
  return 'error' in parsed;
}

/** The task as an infill request: the prefix and suffix around one hole at the cursor between them. */
export function taskRequest(task: Task): InfillRequest {
  const at = task.prefix.length;
  const hole: Hole = task.maxTokens === undefined ? { start: at, end: at } : { start: at, end: at, maxTokens: task.maxTokens };
  return { text: task.prefix + task.suffix, holes: [hole] };
}

type TaskId = Pick<BadLine, 'taskId' | 'rawTaskId'>;

/**
 * One output line: `task_id` first, as the input wrote it (a number's digits verbatim), then
 * `fields`. A line with no usable task_id has none.
 */
export function formatRecord(task: TaskId, fields: Readonly<Record<string, unknown>>): string {
  const body = JSON.stringify(fields);
  const id = taskIdJson(task);
  if (id === undefined) return body;
  return body === '{}' ? `{"task_id":${id}}` : `{"task_id":${id},${body.slice(1)}`;
}

/** Where a task is in its file, for a message: `line 4` or `line 4, task_id "a"`. */
export function taskPlace(lineNumber: number, task: TaskId): string {
  const id = taskIdJson(task);
  return id === undefined ? `line ${lineNumber}` : `line ${lineNumber}, task_id ${id}`;
}

/** The task_id as JSON, as the input wrote it (a number's digits verbatim); undefined if it has none. */
function taskIdJson(task: TaskId): string | undefined {
  return task.taskId === undefined ? undefined : (task.rawTaskId ?? JSON.stringify(task.taskId));
}

/** JSON whitespace. */
const space = /[ \t\n\r]/;

/**
 * The text of the value of top-level `key` in `json` (valid JSON holding an object), the last one
 * when the key repeats, as JSON.parse picks the last. Node 20's JSON.parse shows no source text.
 */
function rawValue(json: string, key: string): string | undefined {
  let found: string | undefined;
  let i = skipSpace(json, json.indexOf('{') + 1);
  while (json[i] === '"') {
    const keyEnd = stringEnd(json, i);
    const name: unknown = JSON.parse(json.slice(i, keyEnd));
    const start = skipSpace(json, skipSpace(json, keyEnd) + 1); // past the ':'
    const end = valueEnd(json, start);
    if (name === key) found = json.slice(start, end);
    i = skipSpace(json, end);
    if (json[i] === ',') i = skipSpace(json, i + 1);
  }
  return found;
}

function skipSpace(json: string, i: number): number {
  while (i < json.length && space.test(json[i])) i++;
  return i;
}

/** The index after the string that opens at `i`. */
function stringEnd(json: string, i: number): number {
  let j = i + 1;
  while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
  return j + 1;
}

/** The index after the value that starts at `i`. */
function valueEnd(json: string, i: number): number {
  if (json[i] === '"') return stringEnd(json, i);
  if (json[i] === '{' || json[i] === '[') {
    let depth = 0;
    for (let j = i; ; j++) {
      if (json[j] === '"') j = stringEnd(json, j) - 1;
      else if (json[j] === '{' || json[j] === '[') depth++;
      else if ((json[j] === '}' || json[j] === ']') && --depth === 0) return j + 1;
    }
  }
  let j = i;
  while (j < json.length && !space.test(json[j]) && json[j] !== ',' && json[j] !== '}') j++;
  return j;
}

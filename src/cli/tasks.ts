import type { Hole, InfillRequest } from '../infill';

/**
 * One line of a task file (ARCHITECTURE.md §4): `{"task_id", "prefix", "suffix"}`, with `"prompt"`
 * accepted for `"prefix"`, `"suffix"` optional (empty: plain completion) and `"max_tokens"` optional.
 */
export interface Task {
  readonly taskId: string | number;
  readonly prefix: string;
  readonly suffix: string;
  readonly maxTokens?: number;
}

/** A line that is not a task, and the task id when the line got that far. */
export interface BadLine {
  readonly taskId?: string | number;
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
  const bad = (error: string): BadLine => ({ taskId, error });
  const prefix = record.prefix ?? record.prompt;
  if (typeof prefix !== 'string') return bad('prefix (or prompt) must be a string');
  const suffix = record.suffix ?? '';
  if (typeof suffix !== 'string') return bad('suffix must be a string');
  const maxTokens = record.max_tokens;
  if (maxTokens === undefined || maxTokens === null) return { taskId, prefix, suffix };
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) return bad('max_tokens must be a positive integer');
  return { taskId, prefix, suffix, maxTokens };
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

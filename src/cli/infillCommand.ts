import type { Logger } from '../core/logger';
import { InfillEngine } from '../infill';
import type { LoadedModel } from '../model';
import type { InfillArgs } from './args';
import { loadSyntaxChecker } from '../syntax/treeSitterChecker';
import { JsonlWriter, readLines } from './jsonl';
import { formatRecord, isBadLine, parseTask, taskPlace, taskRequest } from './tasks';

/**
 * `diffuse infill`: one output record per task line, in input order. A line that cannot be
 * parsed or filled becomes an error record and the batch goes on; stderr says which line it was
 * (a record without a usable task_id cannot, and counting records to find it is no way to debug).
 */
export async function runInfill(args: InfillArgs, model: LoadedModel, logger: Logger): Promise<void> {
  const syntax = args.language === undefined ? undefined : await loadSyntaxChecker();
  const engine = new InfillEngine(model, logger, { syntax });
  const output = new JsonlWriter(args.output);
  let filled = 0;
  let failed = 0;
  for await (const line of readLines(args.input)) {
    const task = parseTask(line.text);
    const place = `${args.input ?? 'stdin'}, ${taskPlace(line.number, task)}`;
    if (isBadLine(task)) {
      failed++;
      logger.warn(`[cli] ${place}: ${task.error}`);
      await output.write(formatRecord(task, { error: task.error }));
      continue;
    }
    try {
      const result = await engine.fill({ ...taskRequest(task), languageId: args.language }, args.options);
      const [fill] = result.candidates[0].fills;
      if (fill.reason) logger.debug(`[cli] ${task.taskId}: ${fill.reason}`);
      await output.write(formatRecord(task, { completion: fill.text, tokens: fill.tokens, nfe: result.nfe, ms: Math.round(result.ms * 10) / 10 }));
      filled++;
    } catch (error) {
      failed++;
      logger.warn(`[cli] ${place}: ${(error as Error).message}`);
      await output.write(formatRecord(task, { error: (error as Error).message }));
    }
  }
  await output.close();
  logger.info(`[cli] filled ${filled} task(s), ${failed} error record(s)`);
}

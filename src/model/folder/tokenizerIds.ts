import { readFile } from 'node:fs/promises';
import { ModelLoadError } from '../../core/errors';

interface TokenIds {
  readonly model?: { readonly vocab?: unknown };
  readonly added_tokens?: ReadonlyArray<{ readonly id: number; readonly content: string }>;
}

/**
 * Refuses a tokenizer.json that gives a token an id at or past `textIds` (meta.json's vocab_size,
 * less its expand token): the count of tokens can match while one id lies past the end (a gap
 * below it), and every text holding that token would then put an id outside the logits on the
 * canvas. The ids are read from the file, `model.vocab` (token → id; a Unigram vocabulary is a
 * list whose ids are its indices, below the count already checked) and `added_tokens`: the
 * tokenizer binding tells the count alone. `file` has loaded as a tokenizer, so it is valid JSON.
 */
export async function checkTokenizerIds(file: string, vocabSize: number, textIds: number): Promise<void> {
  const parsed = JSON.parse(await readFile(file, 'utf8')) as TokenIds;
  const vocab = parsed.model?.vocab;
  const ids: Array<[string, number]> = [
    ...(vocab !== null && typeof vocab === 'object' && !Array.isArray(vocab) ? Object.entries(vocab as Record<string, number>) : []),
    ...(parsed.added_tokens ?? []).map(({ content, id }): [string, number] => [content, id]),
  ];
  const past = ids.find(([, id]) => id >= textIds);
  if (past) {
    throw new ModelLoadError(file, `token ${JSON.stringify(past[0])} has id ${past[1]}, but meta.json's vocab_size ${vocabSize} leaves the tokenizer ids 0 to ${textIds - 1}`);
  }
}

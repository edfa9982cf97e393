import { ModelLoadError } from '../../core/errors';
import type { LoadedTokenizer } from '../../tokenizer';

/**
 * Refuses a tokenizer.json that gives a token an id at or past `textIds` (meta.json's vocab_size,
 * less its expand token): the count of tokens can match while one id lies past the end (a gap
 * below it), and every text holding that token would then put an id outside the logits on the
 * canvas.
 */
export function checkTokenizerIds(file: string, tokenizer: LoadedTokenizer, vocabSize: number, textIds: number): void {
  const last = tokenizer.lastToken;
  if (last && last.id >= textIds) {
    throw new ModelLoadError(file, `token ${JSON.stringify(last.text)} has id ${last.id}, but meta.json's vocab_size ${vocabSize} leaves the tokenizer ids 0 to ${textIds - 1}`);
  }
}

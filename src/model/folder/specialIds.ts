import { ModelLoadError } from '../../core/errors';
import type { TextTokenizer } from '../../tokenizer';
import type { ModelMeta } from './meta';

/** meta.json's special-id fields and the token each names in the contract (docs/model-contract.md); bos has none. */
const roles = [
  { field: 'mask_id', key: 'maskId', token: '<|mask|>' },
  { field: 'pad_id', key: 'padId', token: '<|pad|>' },
  { field: 'eos_id', key: 'eosId', token: '<|endoftext|>' },
  { field: 'bos_id', key: 'bosId', token: undefined },
] as const;

/**
 * Refuses special ids that are in range but wrong for the tokenizer, which the range check alone
 * lets through and which ruin every fill (a mask_id on an ordinary token fills holes with it):
 * each must be one of the tokenizer's special tokens, the contract's own token where the
 * tokenizer has it (mask_id is `<|mask|>`), and the mask must be no other role's token.
 */
export async function checkSpecialIds(metaFile: string, meta: ModelMeta, tokenizer: TextTokenizer): Promise<void> {
  const specials = [...tokenizer.specialTokens].map(([id, text]) => `${id} ${text}`).join(', ') || 'none';
  for (const { field, key, token } of roles) {
    const id = meta.spec[key];
    if (id === null) continue;
    const refuse = (reason: string): never => {
      throw new ModelLoadError(metaFile, `field '${field}' is ${id}: ${reason}`);
    };
    if (!tokenizer.specialTokens.has(id)) {
      refuse(`the tokenizer's token ${id} is ${JSON.stringify(await tokenizer.decode([id]))}, not a special token (special tokens: ${specials})`);
    }
    const named = token === undefined ? undefined : [...tokenizer.specialTokens].find(([, text]) => text === token)?.[0];
    if (named !== undefined && named !== id) refuse(`the tokenizer's ${token} is id ${named}`);
    if (key !== 'maskId' && id === meta.spec.maskId) refuse(`the same id as mask_id`);
  }
}

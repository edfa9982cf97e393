export { loadTokenizer } from './textTokenizer';
export type { Encoded, LoadedTokenizer, TextTokenizer } from './textTokenizer';

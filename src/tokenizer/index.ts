export { loadTokenizer } from './textTokenizer';
export type { Encoded, TextTokenizer } from './textTokenizer';
export { sha256File } from './sha256File';

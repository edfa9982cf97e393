import { pythonSpans } from '../infill/tripleQuotes';

/**
 * Python source with every comment blanked to spaces and every string literal to quote marks: the
 * code alone, at the same offsets, for the checks that read its lines and names (a colon or a name
 * inside a string is neither a block opener nor a reference, but a line holding only a docstring
 * is still a line of code). The line breaks inside a triple-quoted string go too, since they do
 * not end its line; those outside strings stay. Comments and strings are read as tripleQuotes.ts
 * reads them (Python's tokenizer, left to right): a quote left open at the end of a line that is
 * not triple-quoted closes there, so one broken string cannot swallow the rest of the window. An
 * f-string goes whole, its fields too (Python 3.12's `f"{d["k"]}"` as one string): the names they
 * read are not counted, as before 3.12.
 */
export function blankStringsAndComments(text: string): string {
  const out = text.split('');
  for (const span of pythonSpans(text)) {
    const blank = span.kind === 'comment' ? ' ' : '"';
    for (let i = span.open, end = Math.min(span.close, text.length); i < end; i++) out[i] = blank;
  }
  return out.join('');
}

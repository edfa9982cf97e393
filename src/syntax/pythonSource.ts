/**
 * Python source with every comment blanked to spaces and every string literal to quote marks: the
 * code alone, at the same offsets, for the checks that read its lines and names (a colon or a name
 * inside a string is neither a block opener nor a reference, but a line holding only a docstring
 * is still a line of code). The line breaks inside a triple-quoted string go too, since they do
 * not end its line; those outside strings stay. A quote left open at the end of a line that is not
 * triple-quoted closes there, so one broken string cannot swallow the rest of the window.
 */
export function blankStringsAndComments(text: string): string {
  const out = text.split('');
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '#') {
      for (; i < text.length && text[i] !== '\n'; i++) out[i] = ' ';
    } else if (c === '"' || c === "'") {
      const end = endOfString(text, i);
      for (; i < end; i++) out[i] = '"';
    } else {
      i++;
    }
  }
  return out.join('');
}

/** The index after the string literal whose opening quote is at `start`. */
function endOfString(text: string, start: number): number {
  const quote = text[start];
  const triple = text.startsWith(quote.repeat(3), start);
  const closing = triple ? quote.repeat(3) : quote;
  let i = start + closing.length;
  while (i < text.length) {
    if (text[i] === '\\') i += 2;
    else if (text.startsWith(closing, i)) return i + closing.length;
    else if (!triple && text[i] === '\n') return i;
    else i++;
  }
  return text.length;
}

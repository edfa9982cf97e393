/**
 * How far from the cursor, in lines each way, a conflict's markers are looked for: a cursor deeper
 * inside a larger conflict is taken for outside it (the check runs at every keystroke).
 */
export const CONFLICT_REACH = 50;

/** Git's markers: seven characters, then a space and a label (or nothing). */
const OPENING = /^<{7}(?: |$)/;
const CLOSING = /^>{7}(?: |$)/;

/**
 * Whether line `at` of a document of `lineCount` lines (`line(i)` its i-th, 0-based) is inside a
 * merge conflict's block, its marker lines included: a `<<<<<<< ` line at or above it with no
 * `>>>>>>> ` between, and a `>>>>>>> ` line at or below it with no `<<<<<<< ` between, each within
 * `reach` lines. Ghost text there would guess at one side of a merge the user is resolving
 * (PEERS.md §A.6); an explicit trigger still fills.
 */
export function insideMergeConflict(line: (index: number) => string, lineCount: number, at: number, reach = CONFLICT_REACH): boolean {
  let opened = false;
  for (let i = at; i >= Math.max(0, at - reach); i--) {
    const text = line(i);
    if (OPENING.test(text)) {
      opened = true;
      break;
    }
    // a block that closed above the cursor (the cursor's own line closes the block it is in)
    if (i < at && CLOSING.test(text)) return false;
  }
  if (!opened) return false;
  for (let i = at; i <= Math.min(lineCount - 1, at + reach); i++) {
    const text = line(i);
    if (CLOSING.test(text)) return true;
    // the next conflict opens below the cursor before this one closes: the cursor's is no block
    if (i > at && OPENING.test(text)) return false;
  }
  return false;
}

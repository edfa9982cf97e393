/**
 * Names a Python text reads that it binds nowhere and that are no builtins: what pyflakes
 * reports as undefined, without its scopes. A fill that calls or reads a name the document never
 * mentions (`list1:items()`, a made-up helper) almost never passes: on 1,600 MBPP train holes, 47
 * of the 48 fills that did failed. One that binds a name the rest of the document reads (the
 * `res = 0` a hole cut out) repairs the document. The syntax check counts the difference.
 *
 * Bindings are read by pattern, not by a parser: assignment and annotation targets at a line's
 * start (not a call's keyword argument or a subscript there, nor a line that continues an open
 * bracket: `key: 1,` in a dict, `key=1,` in a call), `for ... in`, `def`/`class` names and
 * parameters, imports, `as`, `lambda`, `:=`, `global`/`nonlocal`, `case` patterns. A text with
 * `import *` binds names no pattern can see: it gets 0. Names are Python's Unicode identifiers
 * (`straße`, `变量`). `code` is Python source as `blankStringsAndComments` leaves it (pythonSource.ts).
 */
export function undefinedNames(code: string): number {
  if (STAR_IMPORT.test(code)) return 0;
  const bound = boundNames(code);
  const unbound = new Set<string>();
  for (const m of code.matchAll(READ)) {
    const name = m[1];
    if (bound.has(name) || BUILTINS.has(name) || KEYWORDS.has(name) || isKeywordArgument(code, m.index!, name.length)) continue;
    unbound.add(name);
  }
  return unbound.size;
}

/**
 * `pattern` read as Python reads identifiers: `[A-Za-z_]` as a name's first character
 * (`\p{ID_Start}` or `_`), `\w` as any of its characters (`\p{ID_Continue}`), `\b` as a name's edge.
 * JavaScript's `\w` and `\b` are ASCII even under the `u` flag: `straße` read as the names `stra`
 * and `e`, `变量` as none. The patterns below are written in the ASCII forms and read through this.
 * Their `\b` stands before a keyword (no name character before it) or after one's last letter (none
 * after it): one lookaround each, where a two-sided edge cost 20 µs a pattern on a 40-line window.
 */
function pythonWords(pattern: RegExp): RegExp {
  const source = pattern.source
    .replaceAll('[A-Za-z_]', String.raw`[_\p{ID_Start}]`)
    .replaceAll(String.raw`\w`, String.raw`\p{ID_Continue}`)
    .replace(/(?<=[a-z])\\b/g, String.raw`(?!\p{ID_Continue})`)
    .replaceAll(String.raw`\b`, String.raw`(?<!\p{ID_Continue})`);
  return new RegExp(source, `${pattern.flags}u`);
}

const STAR_IMPORT = pythonWords(/\bimport\s+\*/);
/** An identifier that is no attribute (not after a dot), no number's suffix and no string's prefix (`f"`, `rb'`). */
const READ = pythonWords(/(?<![\w.])([A-Za-z_]\w*)(?![\w"'])/g);
const IDENTIFIER = pythonWords(/[A-Za-z_]\w*/g);

/**
 * Each pattern's group 1 holds the names it binds (with other words, which bind nothing new). The
 * first one's run takes the line's indentation, and a `*=`'s star, which hold no name: one greedy
 * run fails a line without an assignment in one pass, where a lazy run before `[ \t]*` backtracked
 * over every run of blanks (a comment blanked to spaces), 1 ms a 40-line window.
 */
const BINDINGS: readonly RegExp[] = ([
  /^([\w \t,()[\]*]+)(?:[-+/%&|^@]|\/\/|>>|<<)?=(?!=)/gm, //                  a, (b, c) = ... ; x += 1
  /^[ \t]*(\w+)[ \t]*:(?!=)/gm, //                                               x: int = 0
  /\bfor[ \t]+([\w \t,()[\]*]+?)[ \t]+in\b/g, //                                        for i, (a, b) in ...
  /\b(?:def|class)\s+(\w+)/g,
  /\bdef\s+\w+\s*\(([\s\S]*?)\)\s*(?:->[^:]*)?:/g, //                          parameters (and their defaults' names, brackets and all)
  /\bimport[ \t]+([\w \t,.]+)/g, //                                                  import a.b, c  (binds a, b, c: b too, harmlessly)
  /\bfrom\s+([\w.]+)\s+import\b/g, //                                            the module a from-import names is no read
  /\bas\s+(\w+)/g,
  /\blambda\b([^:\n]*):/g,
  /(\w+)\s*:=/g,
  /\b(?:global|nonlocal)[ \t]+([\w \t,]+)/g,
  /^[ \t]*case\b(.*):[ \t]*$/gm, //                                                case (x, y) | Point(x=x): (a class name too, harmlessly)
]).map(pythonWords);
/** The patterns that read a line's start as a statement's: a line inside an open bracket is none. */
const STATEMENT_STARTS = new Set([BINDINGS[0], BINDINGS[1]]);

/** The first pattern's target holds a call or a subscript: `max(word, key=len)`, `a[i] = 0` bind nothing. */
const CALL_OR_SUBSCRIPT = pythonWords(/\w[ \t]*[([]/);

function boundNames(code: string): Set<string> {
  const bound = new Set<string>();
  const continuations = continuationLines(code);
  for (const pattern of BINDINGS) {
    for (const m of code.matchAll(pattern)) {
      if (pattern === BINDINGS[0] && CALL_OR_SUBSCRIPT.test(m[1])) continue;
      if (STATEMENT_STARTS.has(pattern) && continuations.has(m.index!)) continue;
      for (const name of m[1].match(IDENTIFIER) ?? []) bound.add(name);
    }
  }
  return bound;
}

/**
 * The offsets of the lines that start inside a bracket an earlier line opened: a dict's `key: 1,`
 * or a call's `key=1,` there is no annotation or assignment. A closing bracket the text never
 * opened (a window cut inside one) counts as none, so it cannot hide the lines after it; nor can a
 * bracket left open, as in a line still being typed: a line that begins with a keyword only a
 * statement begins with (`def`, `return`, ...) is never inside one, and closes what was left open.
 */
function continuationLines(code: string): Set<number> {
  const starts = new Set<number>();
  let depth = 0;
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
    else if (c === '\n' && depth > 0) {
      STATEMENT_KEYWORD.lastIndex = i + 1;
      if (STATEMENT_KEYWORD.test(code)) depth = 0;
      else starts.add(i + 1);
    }
  }
  return starts;
}

/** A line that begins with a keyword no expression begins with, so no bracket's continuation line does. */
const STATEMENT_KEYWORD = pythonWords(/[ \t]*(?:def|class|return|import|raise|del|pass|break|continue|global|nonlocal|assert|try|except|finally|while|with|elif|async[ \t]+def)(?!\w)/y);

/** `name=` right after `(` or `,`: a keyword argument (or a parameter's default), no read. */
function isKeywordArgument(code: string, start: number, length: number): boolean {
  if (!/^\s*=(?!=)/.test(code.slice(start + length, start + length + 8))) return false;
  const before = code.slice(Math.max(0, start - 80), start).trimEnd();
  return before.endsWith('(') || before.endsWith(',');
}

const KEYWORDS = new Set(
  ('False None True and as assert async await break class continue def del elif else except finally for from ' +
    'global if import in is lambda nonlocal not or pass raise return try while with yield match case type _').split(' '),
);

/** Python 3.11's `dir(builtins)`, less the private names a program does not read. */
const BUILTINS = new Set(
  ('ArithmeticError AssertionError AttributeError BaseException BaseExceptionGroup BlockingIOError BrokenPipeError ' +
    'BufferError BytesWarning ChildProcessError ConnectionAbortedError ConnectionError ConnectionRefusedError ' +
    'ConnectionResetError DeprecationWarning EOFError Ellipsis EncodingWarning EnvironmentError Exception ' +
    'ExceptionGroup FileExistsError FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError ' +
    'ImportError ImportWarning IndentationError IndexError InterruptedError IsADirectoryError KeyError ' +
    'KeyboardInterrupt LookupError MemoryError ModuleNotFoundError NameError NotADirectoryError NotImplemented ' +
    'NotImplementedError OSError OverflowError PendingDeprecationWarning PermissionError ProcessLookupError ' +
    'RecursionError ReferenceError ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration StopIteration ' +
    'SyntaxError SyntaxWarning SystemError SystemExit TabError TimeoutError TypeError UnboundLocalError ' +
    'UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning UserWarning ValueError ' +
    'Warning ZeroDivisionError __build_class__ __debug__ __doc__ __file__ __import__ __loader__ __name__ __package__ ' +
    '__spec__ abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile ' +
    'complex copyright credits delattr dict dir divmod enumerate eval exec exit filter float format frozenset ' +
    'getattr globals hasattr hash help hex id input int isinstance issubclass iter len license list locals map max ' +
    'memoryview min next object oct open ord pow print property quit range repr reversed round set setattr slice ' +
    'sorted staticmethod str sum super tuple type vars zip self cls').split(' '),
);

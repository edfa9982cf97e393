import * as assert from 'node:assert/strict';
import type { SyntaxChecker } from '../../src/infill';
import { syntaxWindow } from '../../src/infill/syntax';
import { pythonSpans } from '../../src/infill/tripleQuotes';
import { indentationErrors } from '../../src/syntax/pythonIndentation';
import { undefinedNames } from '../../src/syntax/pythonNames';
import { blankStringsAndComments } from '../../src/syntax/pythonSource';
import { loadSyntaxChecker } from '../../src/syntax/treeSitterChecker';

/** The text of each comment and string of `text` with its kind, an open string's to the end. */
const spans = (text: string) => pythonSpans(text).map(({ open, close, kind }) => [kind, text.slice(open, close)]);

// Every program below is valid Python 3.12 (checked with CPython 3.12.1's ast.parse); before PEP 701
// the ones whose replacement fields hold their own quote, a comment or a line break were not.
describe("Python 3.12's f-strings (PEP 701), read as its tokenizer reads them", () => {
  it('ends an f-string at its own closing quote, past replacement fields that hold strings of the same quote', () => {
    assert.deepEqual(spans(`row = f"{d["name"]}: {d["age"]}"  # it's\n`), [
      ['string', `"{d["name"]}: {d["age"]}"`],
      ['comment', "# it's"],
    ]);
    assert.deepEqual(spans("s = f'{f'{y}'}' + f\"{f\"{f\"{z}\"}\"}\"\n"), [
      ['string', "'{f'{y}'}'"],
      ['string', '"{f"{f"{z}"}"}"'],
    ]);
    // a triple quote of the other kind inside a field opens no triple-quoted string
    assert.deepEqual(spans(`label = f"{'''"'''}"\nx = 1  # c\n`), [
      ['string', `"{'''"'''}"`],
      ['comment', '# c'],
    ]);
  });

  it('reads a replacement field across lines, with a comment that hides a quote or a triple quote', () => {
    assert.deepEqual(spans(`s = f"{\n    a  # it's\n}"\nt = 'x'\n`), [
      ['string', `"{\n    a  # it's\n}"`],
      ['string', "'x'"],
    ]);
    assert.deepEqual(spans(`s = f"""{x  # not the end: """\n}"""\nt = 1  # c\n`), [
      ['triple', `"""{x  # not the end: """\n}"""`],
      ['comment', '# c'],
    ]);
  });

  it("keeps older strings' reading: no prefix, a prefix without f, a name ending in f, braces doubled or in an escape", () => {
    assert.deepEqual(spans(`x = "{d["k"]}" + b"{" + rb'{'\n`), [
      ['string', '"{d["'],
      ['string', '"]}"'],
      ['string', '"{"'],
      ['string', "'{'"],
    ]);
    assert.deepEqual(spans('y = 1 if"{"else"}"\n'), [
      ['string', '"{"'],
      ['string', '"}"'],
    ], '`if"` is a keyword before a string, not an f prefix');
    assert.deepEqual(spans(String.raw`x = f"{{" + f"\N{EM DASH}" + Rf'\{y}'` + '\n'), [
      ['string', '"{{"'],
      ['string', String.raw`"\N{EM DASH}"`],
      ['string', String.raw`'\{y}'`],
    ]);
  });

  it('ends a broken f-string with its line, as a broken one-line string, however deep it nests', () => {
    assert.deepEqual(spans(`x = f"{d["k\ny = 1  # c\n`), [
      ['string', `"{d["k`],
      ['comment', '# c'],
    ]);
    assert.deepEqual(spans(`x = f"{name\nprint('hi')  # c\n`), [
      ['string', '"{name'],
      ['string', "'hi'"],
      ['comment', '# c'],
    ]);
    // CPython refuses more than 149 f-strings inside each other; 10,000 would overflow a recursive reader's stack
    const deep = `x = ${'f"{'.repeat(10_000)}y${'}"'.repeat(10_000)}\nz = 1  # c\n`;
    assert.deepEqual(spans(deep).at(-1), ['comment', '# c']);
  });

  it('ends a named escape left open (`\\N{` as it is typed) where CPython does: at its quote, not at a later `}`', () => {
    // read to the next `}` anywhere, the first hid `name` inside one string, and the second read past
    // its `"""` to the `}` of `{}` and on to the end of the text (CPython 3.12.1's tokenizer agrees)
    assert.deepEqual(spans(String.raw`s = f"\N{" + name + "}"  # c` + '\n'), [
      ['string', String.raw`"\N{"`],
      ['string', '"}"'],
      ['comment', '# c'],
    ]);
    assert.deepEqual(spans(String.raw`doc = f"""\N{` + "\n\"\"\"\nd = {}\nx = 'a'\n"), [
      ['triple', String.raw`"""\N{` + '\n"""'],
      ['string', "'a'"],
    ]);
    assert.deepEqual(spans(String.raw`x = f"{a:\N{BULLET}>10}" + f"\N{EM DASH}{b}"  # c` + '\n'), [
      ['string', String.raw`"{a:\N{BULLET}>10}"`],
      ['string', String.raw`"\N{EM DASH}{b}"`],
      ['comment', '# c'],
    ]);
    // each read to the text's next `}`, 100 000 lines of them took 1 to 2 s
    const started = performance.now();
    assert.equal(pythonSpans((String.raw`x = f"\N{a" + y` + '\n').repeat(100_000)).length, 100_000);
    const ms = performance.now() - started;
    assert.ok(ms < 500, `read in ${Math.round(ms)} ms`);
  });

  const heading = 'def heading(title, level):\n    print(f"{"#" * level} {title}")\n    size = len(title)\n    return size\n';

  it('reads 4 MB of f-strings in one pass, and as many left open without reading each to the end of the text', () => {
    const line = `print(f"{d["k"]}: {x:{w}} {'-'.join(y)}")\n`;
    const lines = Math.ceil(4e6 / line.length);
    let started = performance.now();
    assert.equal(pythonSpans(line.repeat(lines)).length, lines);
    let ms = performance.now() - started;
    assert.ok(ms < 1500, `read in ${Math.round(ms)} ms`);
    // each read to the end of the text, 100 000 took 2 s
    started = performance.now();
    assert.equal(pythonSpans('x = f"{a\n'.repeat(100_000)).length, 100_000);
    ms = performance.now() - started;
    assert.ok(ms < 500, `read in ${Math.round(ms)} ms`);
  });

  it('reads a one-line f-string within its line once two have been left open, all its fields hold too', () => {
    // valid 3.12 (CPython 3.12.1's tokenizer reads these two f-strings, then 'c'): the fields' strings cross the line
    const valid = `x = f"{'''a\nb'''}" + f"{f'''{a\n}'''}"\ny = 'c'  # c\n`;
    const read = [
      ['string', `"{'''a\nb'''}"`],
      ['string', `"{f'''{a\n}'''}"`],
      ['string', "'c'"],
      ['comment', '# c'],
    ];
    assert.deepEqual(spans(valid), read);
    // after one f-string left open (being typed), read as before
    assert.deepEqual(spans(`w = f"{a\n${valid}`), [['string', '"{a'], ...read]);
    // after two (Python refuses the text), each ends with its line, as its fields' own line breaks do
    assert.deepEqual(spans(`w = f"{a\nv = f"{b\n${valid}`), [
      ['string', '"{a'],
      ['string', '"{b'],
      ['string', `"{'''a`],
      ['triple', `'''}" + f"{f'''`],
      ['triple', `'''}"\ny = 'c'  # c\n`],
    ]);
  });

  it('reads 2 MB of f-strings left open, nested or flooded, in time linear in their length', () => {
    // each line's f-string, left open, read the lines below it down to CPython's 149th f-string
    // before giving up: 2 MB of each of the first five took 3.4 to 6.6 s
    const lines = [
      `x = f"{f'''{a\n`,
      `x = f'{f"""{a\n`,
      `x = f"{f'''a\n`,
      `x = f"{f'''{f"""{a\n`,
      `x = f"{f'''{a  # '''\n`,
      'f"{\n',
      `f'{f"{f'{f"{\n`,
      'x = f"{a:{b:{c:\n',
      String.raw`x = f"\N{a` + '\n',
      `x = f"{'''a\ny = f"{"""b\n`,
    ];
    const texts = [
      ...lines.map((line) => line.repeat(Math.ceil(2e6 / line.length))),
      `x = ${'f"{'.repeat(700_000)}`,
      `x = f"{${'{'.repeat(2e6)}`,
      `x = f"${String.raw`\N{`.repeat(700_000)}`,
      `x = f"{a\n${'f"a", '.repeat(350_000)}\n`,
    ];
    for (const text of texts) {
      const started = performance.now();
      pythonSpans(text);
      const ms = performance.now() - started;
      assert.ok(ms < 1500, `${JSON.stringify(text.slice(0, 24))}: read in ${Math.round(ms)} ms`);
    }
  });

  it('blanks a whole f-string: no name of its fields is read as code, nothing after it read as string', () => {
    // read by pairing quotes, `Total` was a name, and the `#` opened a comment that hid the call's `)`,
    // so the next line was read inside the call's brackets and bound nothing
    assert.equal(undefinedNames(blankStringsAndComments('def show(total):\n    return f"{"Total:":>10} {total}"\n')), 0);
    assert.equal(undefinedNames(blankStringsAndComments(heading)), 0);
    assert.equal(undefinedNames(blankStringsAndComments(`label = f"{'''"'''}"\nprint(undefined_name)\n`)), 1);
    assert.equal(indentationErrors(blankStringsAndComments('def total(a, b):\n    return f"{\n        a + b\n    }"\n')), 0);
  });

  it("never starts a Python window inside a triple-quoted string that an f-string's field only seemed to open", () => {
    const text = `label = f"{'''"'''}"\n${'x = 1\n'.repeat(1000)}y = \n`;
    const at = text.length - 1;
    assert.deepEqual(syntaxWindow(text, at, at, 'python'), syntaxWindow(text, at, at, 'typescript'));
  });

  describe('the whole syntax check', () => {
    let checker: SyntaxChecker;
    before(async () => {
      checker = await loadSyntaxChecker();
    });

    it('finds no error in valid Python 3.12 f-strings', () => {
      const programs = [
        'def show(row):\n    return f"{row["name"]}: {row["age"]}"\n',
        'def show(total):\n    return f"{"Total:":>10} {total}"\n',
        heading,
        String.raw`def lines(x):` + '\n' + String.raw`    return f"{'\n'.join(x)}"` + '\n',
        'def pad(x, width):\n    return f"{x:{width}}"\n',
        'def total(a, b):\n    return f"{\n        a + b\n    }"\n',
        "def nest(y):\n    return f'{f'{y}'}'\n",
        'def note(x):\n    return f"""{x  # a comment with """ in it\n    }"""\n',
      ];
      assert.deepEqual(programs.map((program) => checker.errors(program, 'python')), programs.map(() => 0));
    });
  });
});

"""Training examples, built on the fly from raw documents (CPU, in DataLoader workers).

Two kinds of rows, mixed inside each batch (every row of a batch has the same canvas length L):

* plain   - a window of contiguously tokenized text (documents packed with <|endoftext|>); every
            position may be masked: the MDLM objective, so the NELBO keeps its meaning.
* infill  - fill-in-the-middle shaped like an editor hole. The document is split at character
            positions (line starts, after indentation, mid-line cursors, arbitrary points) and the
            prefix, middle and suffix are tokenized SEPARATELY, exactly as the editor does, so the
            model sees the token boundaries it will meet at inference. Layout:
                [prefix tokens][middle tokens + <|pad|> ... up to H slots][suffix tokens]
            H >= len(middle) (pads at the END of the hole: over-allocated holes are filled with
            pads); only the H hole slots may be masked, the context never is.
            H is drawn from [n, ~4n] (n = len(middle)), so a hole's size hints at its length; a
            share of holes (`probe_share`) instead gets `probe_slots` slots whatever n <= probe_slots
            is: in such a row, with every slot masked, the model's padding probability at slot i
            estimates P(n <= i) (bench/lengthProbe.ts reads it; it lost to the engine's own search).

A row is (x0 [L] int64, region [L] bool, valid [L] bool): region marks the positions the diffusion
may mask. Infill rows mirror the TS engine's canvas (src/infill/canvas.ts): an <|endoftext|> marks
where the canvas reaches the start / end of the document, and when the document is too short to
fill L the row is shorter: filler after it is invalid (no attention to it, no loss), exactly like a
shorter canvas at inference.
"""
import bisect
import itertools
import math
import random
import re

import torch

from .python_spans import PythonSpans
from .tokenizer import EOS_ID, PAD_ID

# Hole shapes and their shares (see span()). Whole lines (indentation and newline included) are the
# hole an editor user makes by selecting lines or typing on a fresh line, and the unit of the
# execution benchmarks (MBPP-Infill, HumanEval-Infilling: single line, several lines, character span),
# so they weigh most; the remaining shapes are the cursor positions inside a line.
HOLE_KINDS = [("whole_line", 0.20), ("line", 0.15), ("lines", 0.22), ("rest_of_line", 0.10),
              ("mid_line", 0.08), ("arbitrary", 0.18), ("empty", 0.07), ("import_line", 0.0)]

# `import_line` holes (none unless --hole_weights names them): one of the top-level absolute import
# statements on one line in a document's first IMPORT_SCAN_CHARS, as a short program opens (`import
# re` above the code that uses it; MBPP's programs). Continuations on package code, whose files open
# on docstrings and relative imports, unlearned exactly these lines (bench/README.md §57); a document
# without one gets a whole line instead. Not relative imports (`from . import x`), not a line inside a
# triple-quoted string (a docstring's "import this first" or a code example; the strings read as
# Python reads them, python_spans.py, so a ''' in a comment or a one-line string opens none) or a
# one-line string continued by an escaped line break, not the first line of an
# import continued on the next (after a `\`, an open `(` or a JavaScript import's open `{`). A file
# that opens with a UTF-8 byte-order mark (the corpus keeps it) offers its first line too, the hole
# starting after the mark, which an editor does not show. The pattern matches each line one way only
# (no backtracking over a run of blanks); the line's end is read after.
TOP_IMPORT = re.compile(r"(?:^|(?<=\A\ufeff))(?:import[ \t]+\w|from[ \t]+\w[\w.]*[ \t]+import(?:[ \t]+\w|[ \t]*[(*]))[^\r\n]*", re.M)
IMPORT_SCAN_CHARS = 4000


def top_import_starts(doc):
    """Where the lines TOP_IMPORT describes start in `doc`'s first IMPORT_SCAN_CHARS."""
    strings = PythonSpans(doc)
    for m in TOP_IMPORT.finditer(doc, 0, IMPORT_SCAN_CHARS):
        if m.end() == IMPORT_SCAN_CHARS < len(doc) and doc[m.end()] not in "\r\n":
            continue                                   # the scan cut this line: its end is unknown
        if strings.around(m.start()) is not None:
            continue                                   # a string holds the line's start
        code = m.group().split("#", 1)[0].rstrip()
        if not code.endswith("\\") and code.count("(") <= code.count(")") and code.count("{") <= code.count("}"):
            yield m.start()


def hole_kind_weights(spec=""):
    """HOLE_KINDS's weights with some replaced: spec "lines=0.5,empty=0" (TrainConfig.hole_weights).
    Kinds are drawn by weight, so the weights need not sum to one: "lines=1" against the other
    kinds' 0.78 makes 56 % of hole rows `lines`."""
    weights = dict(HOLE_KINDS)
    named = set()
    for item in filter(None, (part.strip() for part in spec.split(","))):
        kind, _, value = (part.strip() for part in item.partition("="))
        if kind not in weights:
            raise ValueError(f"hole_weights: unknown hole kind {kind!r} (kinds: {', '.join(weights)})")
        if kind in named:
            raise ValueError(f"hole_weights: {kind} is given twice")
        named.add(kind)
        try:
            weight = float(value)
        except ValueError:
            raise ValueError(f"hole_weights: {kind}'s weight must be a number, got {value!r}") from None
        if not (math.isfinite(weight) and weight >= 0):
            raise ValueError(f"hole_weights: {kind}'s weight must be a finite number >= 0, got {value!r}")
        weights[kind] = weight
    if not sum(weights.values()) > 0:
        raise ValueError(f"hole_weights: every weight is zero in {spec!r}")
    return list(weights.items())


def clean_cut(offsets, i):
    """Whether a text's tokens (their character `offsets`) may be cut between token i-1 and token i:
    the byte-level BPE spells a character none of its merges cover in several tokens that all report
    that character's offsets ('ẞ' -> three tokens at (5, 6)), and a cut between two of them leaves
    part of its bytes on either side. The engine cuts its context windows by the same rule
    (isCleanCut, src/infill/window.ts)."""
    return i == 0 or i == len(offsets) or offsets[i][0] >= offsets[i - 1][1]


def cumulative(weights):
    sums, total = [], 0.0
    for w in weights:
        total += w
        sums.append(total)
    return sums


class ExampleMaker:
    def __init__(self, docs, tok, max_length, infill_share=0.5, short_share=0.2, max_hole=96,
                 min_length=64, seed=0, infill_doc_power=1.0, infill_factors=None, units=(), unit_share=0.0,
                 probe_slots=0, probe_share=0.0, code_starts=None, head_cut_share=0.0, hole_weights=""):
        self.docs = docs
        self.tok = tok
        self.L = max_length
        self.infill_share = infill_share
        self.short_share = short_share
        self.max_hole = max_hole
        self.min_length = min_length
        self.probe_slots = probe_slots
        self.probe_share = probe_share if probe_slots > 0 else 0.0
        self.rng = random.Random(seed)
        self.cum = cumulative(len(d) for d in docs)
        # Hole rows may draw documents by len**power: below 1 they favour short files, whose whole
        # text fits the canvas with <|endoftext|> at both ends, as a short program in the editor does;
        # and times a factor per document (algorithmic.hole_weights: computation inside functions).
        if infill_doc_power == 1 and infill_factors is None:
            self.infill_cum = self.cum
        else:
            factors = infill_factors if infill_factors is not None else [1.0] * len(docs)
            self.infill_cum = cumulative(len(d) ** infill_doc_power * f for d, f in zip(docs, factors, strict=True))
        # Hole rows may also come from short standalone programs (functions.py), drawn uniformly.
        self.units = units
        self.unit_share = unit_share if units else 0.0
        # Hole rows may draw a Python file with its head (opening comments, docstring) cut off, so
        # that its canvas opens on code as a short program's does (file_heads.py): code_starts[i] is
        # where document i's code starts, 0 where nothing is cut.
        self.code_starts = code_starts
        self.head_cut_share = head_cut_share if code_starts is not None else 0.0
        kinds = hole_kind_weights(hole_weights)
        self.kinds = [k for k, _ in kinds]
        self.kind_w = [w for _, w in kinds]

    # -- helpers -------------------------------------------------------------------------------
    def enc(self, text):
        return self.tok.encode(text, add_special_tokens=False).ids

    def random_index(self, cum=None):
        """A document's index, chosen with probability proportional to its length (like a packed
        stream), or to the weights whose running sums are `cum`."""
        cum = self.cum if cum is None else cum
        return min(bisect.bisect_right(cum, self.rng.random() * cum[-1]), len(self.docs) - 1)

    def random_doc(self, cum=None):
        return self.docs[self.random_index(cum)]

    def line_start(self, doc, p):
        return doc.rfind("\n", 0, p) + 1

    def canvas_length(self):
        if self.rng.random() < self.short_share:
            return self.rng.randrange(min(self.min_length, self.L // 2), self.L, 16)
        return self.L

    def stream(self, n, doc=None, start=None):
        """n tokens of packed contiguous text, documents separated by <|endoftext|>."""
        ids = []
        if doc is None:
            doc = self.random_doc()
            if self.rng.random() < 0.3:
                start = 0
                if self.rng.random() < 0.5:
                    ids.append(EOS_ID)
            else:
                start = self.line_start(doc, self.rng.randrange(len(doc)))
        while len(ids) < n:
            want = (n - len(ids)) * 4 + 64
            chunk = doc[start:start + want]
            ids += self.enc(chunk)
            start += len(chunk)
            if start >= len(doc) and len(ids) < n:
                ids.append(EOS_ID)
                doc, start = self.random_doc(), 0
        return ids[:n]

    # -- rows ----------------------------------------------------------------------------------
    def plain(self, L):
        return self.stream(L), [True] * L, [True] * L

    def span(self, doc, kind):
        """Character span [a, b) of the middle, for one hole shape."""
        r = self.rng
        if kind == "import_line":
            starts = list(top_import_starts(doc))
            if starts:
                a = r.choice(starts)
                end = doc.find("\n", a)
                return a, len(doc) if end < 0 else end + 1
            kind = "whole_line"
        lines_start = self.line_start(doc, r.randrange(len(doc)))
        line_end = doc.find("\n", lines_start)
        line_end = len(doc) if line_end < 0 else line_end
        line = doc[lines_start:line_end]
        indent_end = lines_start + len(line) - len(line.lstrip(" \t"))
        if kind == "line":
            return indent_end, line_end
        if kind == "whole_line":
            return lines_start, min(len(doc), line_end + (r.random() < 0.85))
        if kind == "rest_of_line":
            return r.randint(indent_end, line_end), line_end
        if kind == "mid_line":
            a = r.randint(indent_end, line_end)
            return a, r.randint(a, line_end)
        if kind == "lines":
            b = line_end
            for _ in range(r.randint(1, 7)):
                nxt = doc.find("\n", b + 1)
                b = len(doc) if nxt < 0 else nxt
            if r.random() < 0.5:
                b = min(len(doc), b + 1)   # take the last newline too: whole lines
            return (lines_start if r.random() < 0.5 else indent_end), b
        if kind == "arbitrary":
            a = r.randrange(len(doc))
            return a, min(len(doc), a + r.randint(1, 300))
        a = indent_end if r.random() < 0.7 else lines_start   # "empty": the hole holds only pads
        return a, a

    def infill(self, L):
        r = self.rng
        if r.random() < self.unit_share:
            doc = self.units[r.randrange(len(self.units))]
        else:
            i = self.random_index(self.infill_cum)
            doc = self.docs[i]
            # (no draw where nothing would be cut: a recipe without cuts keeps its random stream)
            if self.head_cut_share > 0 and self.code_starts[i] and r.random() < self.head_cut_share:
                doc = doc[self.code_starts[i]:]
        kind = r.choices(self.kinds, self.kind_w)[0]
        a, b = self.span(doc, kind)
        hmax = max(1, min(self.max_hole, L // 2))
        mid = self.tok.encode(doc[a:b], add_special_tokens=False)
        mid_ids = mid.ids
        if len(mid_ids) > hmax:   # too long for a hole: keep its first hmax tokens, move b to match
            k = hmax              # ... back to a character boundary (clean_cut: no character cut in two)
            while k > 0 and not clean_cut(mid.offsets, k):
                k -= 1
            b = a + (mid.offsets[k - 1][1] if k else 0)
            mid_ids = mid_ids[:k]
        n = len(mid_ids)
        # (no draw without probes: a recipe without them keeps the rows, and the random stream, it had)
        if self.probe_share > 0 and n <= self.probe_slots <= hmax and r.random() < self.probe_share:
            H = self.probe_slots                       # the length probe: a size that says nothing of n
        elif n == 0:
            H = r.randint(1, 16)
        elif r.random() < 0.2:
            H = n                                      # told the true length
        else:
            H = n + r.randint(0, max(4, 3 * n))        # over-allocated: up to ~4x the middle
        H = max(1, min(H, hmax))
        C = L - H
        pre_start = self.line_start(doc, max(0, a - C * 4 - 64))
        pre = self.tok.encode(doc[pre_start:a], add_special_tokens=False)
        suf_end = min(len(doc), b + C * 4 + 64)
        suf = self.tok.encode(doc[b:suf_end], add_special_tokens=False)
        pre, pre_offsets, suf, suf_offsets = pre.ids, pre.offsets, suf.ids, suf.offsets
        P = min(len(pre), int(C * r.uniform(0.5, 0.9)))
        S = min(len(suf), C - P)
        P = min(len(pre), C - S)
        # The windows start and end between characters, as the engine's (lastTokens, firstTokens in
        # src/infill/window.ts): the prefix's first kept token moves right to a clean cut, the room
        # that frees goes to the suffix, whose last kept token moves left to one.
        first = len(pre) - P
        while not clean_cut(pre_offsets, first):
            first += 1
        if first > len(pre) - P:
            S = min(len(suf), C - (len(pre) - first))
        while not clean_cut(suf_offsets, S):
            S -= 1
        left, right = pre[first:], suf[:S]
        if len(left) == len(pre) and pre_start == 0 and len(left) + H + len(right) < L:
            left = [EOS_ID] + left          # the canvas reaches the document's start
        if len(right) == len(suf) and suf_end == len(doc) and len(left) + H + len(right) < L:
            right = right + [EOS_ID]        # ... and its end
        x0 = left + mid_ids + [PAD_ID] * (H - n) + right
        region = [False] * len(left) + [True] * H + [False] * len(right)
        valid = [True] * len(x0) + [False] * (L - len(x0))
        return x0 + [PAD_ID] * (L - len(x0)), region + [False] * (L - len(x0)), valid

    def batch(self, batch_size, L=None, infill_share=None):
        """-> x0 [B, L] int64, region [B, L] bool, valid [B, L] bool, is_infill [B] bool"""
        L = L or self.canvas_length()
        share = self.infill_share if infill_share is None else infill_share
        rows, regions, valids, kinds = [], [], [], []
        for _ in range(batch_size):
            fim = self.rng.random() < share
            x0, region, valid = self.infill(L) if fim else self.plain(L)
            rows.append(x0)
            regions.append(region)
            valids.append(valid)
            kinds.append(fim)
        return (torch.tensor(rows, dtype=torch.long), torch.tensor(regions, dtype=torch.bool),
                torch.tensor(valids, dtype=torch.bool), torch.tensor(kinds, dtype=torch.bool))


def apart_by_filler(batches, batch_size):
    """The rows of `batches`, regrouped so that every batch yielded holds rows of one length and
    either only full rows or only rows that end in filler (a short document's canvas). A batch of
    full rows needs no key mask (train.key_mask), and training ran 3 % faster so on the H200
    (training/README.md, "Full rows apart"): under 1 % of the recipe's rows end in filler, yet
    nearly every batch of 256 drawn at random held one. Rows are neither dropped nor repeated (some
    wait in a pool until batch_size of their kind have come); only their grouping and order change."""
    pools = {}
    for batch in batches:
        for row in zip(*batch):                    # (x0, region, valid, is_infill) of one row
            x0, _, valid, _ = row
            pool = pools.setdefault((len(x0), bool(valid.all())), [])
            pool.append(row)
            if len(pool) == batch_size:
                yield tuple(torch.stack(column) for column in zip(*pool))
                pool.clear()


class BatchStream(torch.utils.data.IterableDataset):
    """Endless batches for a DataLoader(batch_size=None), full rows apart from rows with filler
    (apart_by_filler); each worker has its own tokenizer and seed."""

    def __init__(self, docs, tokenizer_path, batch_size, seed, **maker_kwargs):
        super().__init__()
        self.docs, self.tokenizer_path, self.batch_size = docs, tokenizer_path, batch_size
        self.seed, self.kw = seed, maker_kwargs

    def __iter__(self):
        from .tokenizer import load_for_text
        info = torch.utils.data.get_worker_info()
        wid = info.id if info is not None else 0
        maker = ExampleMaker(self.docs, load_for_text(self.tokenizer_path), seed=self.seed * 1000 + wid, **self.kw)
        yield from apart_by_filler((maker.batch(self.batch_size) for _ in itertools.count()), self.batch_size)

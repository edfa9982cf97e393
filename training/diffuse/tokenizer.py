"""Byte-level BPE with the Hugging Face `tokenizers` library.

Round-trips any text exactly: no normalizer, ByteLevel pre-tokenizer (add_prefix_space=False) and
ByteLevel decoder. The three special tokens are added first, so their ids are fixed:
<|pad|>=0, <|mask|>=1, <|endoftext|>=2.

    python3 -m diffuse.tokenizer --corpus=DIR --out=tokenizer.json --vocab_size=8192
    python3 -m diffuse.tokenizer --corpus=DIR --measure=4096,8192,16384 [--sample_bytes=N]
"""
from dataclasses import dataclass
import hashlib
import json
import os
import sys

SPECIAL_TOKENS = ["<|pad|>", "<|mask|>", "<|endoftext|>"]
PAD_ID, MASK_ID, EOS_ID = 0, 1, 2


def _lib():
    import tokenizers  # imported lazily: CI has no `tokenizers`, and tests skip on its absence
    return tokenizers


def train_tokenizer(texts, vocab_size, min_frequency=2):
    """texts: an iterable of strings -> a trained tokenizers.Tokenizer."""
    tk = _lib()
    from tokenizers import decoders, models, pre_tokenizers, trainers
    tok = tk.Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, min_frequency=min_frequency, show_progress=False,
        special_tokens=list(SPECIAL_TOKENS), initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer=trainer)
    for i, s in enumerate(SPECIAL_TOKENS):
        assert tok.token_to_id(s) == i, (s, tok.token_to_id(s))
    return tok


def load(path):
    return _lib().Tokenizer.from_file(path)


def load_for_text(path):
    """The tokenizer for documents and prompts: text that spells a special token (`<|mask|>` in a
    tokenizer's own source) is encoded as the characters it is, as the engine encodes a document
    (`TextTokenizer.encodeText`, src/tokenizer/textTokenizer.ts), so a file never puts a mask, padding or end-of-text id where the
    rows do not; those enter only where data.py and evaluate.py place them. (`load` keeps the
    library's matching: the tokenizer goldens the TypeScript tokenizer is checked against use it.)"""
    tok = load(path)
    tok.encode_special_tokens = True
    return tok


def encode(tok, text):
    return tok.encode(text, add_special_tokens=False).ids


def encode_batch(tok, texts):
    return [e.ids for e in tok.encode_batch(list(texts), add_special_tokens=False)]


def decode(tok, ids):
    return tok.decode(list(ids), skip_special_tokens=False)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def bytes_per_token(tok, texts):
    texts = list(texts)
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)
    n_tok = sum(len(ids) for ids in encode_batch(tok, texts))
    return n_bytes / max(1, n_tok)


def measure(train_texts, val_texts, sizes):
    """Train one tokenizer per vocab size on train_texts; bytes/token on val_texts."""
    import time
    rows = []
    for v in sizes:
        t0 = time.time()
        tok = train_tokenizer(train_texts, v)
        rows.append({"vocab_size": v, "train_s": round(time.time() - t0, 1),
                     "val_bytes_per_token": round(bytes_per_token(tok, val_texts), 3)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def sample_texts(texts, max_bytes, seed=0):
    """A deterministic random subset of texts holding about max_bytes (all of them if 0)."""
    import random
    if not max_bytes:
        return texts
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    out, n = [], 0
    for i in order:
        if n >= max_bytes:
            break
        out.append(texts[i])
        n += len(texts[i])
    return out


@dataclass
class TokenizerOptions:
    corpus: str                      # diffuse.corpus's output folder
    out: str = ""                    # tokenizer.json to write (with --measure: the measurements' JSON)
    vocab_size: int = 8192
    sample_bytes: int = 0            # train on about this much of the train split (0 = all of it)
    measure: str = ""                # vocabulary sizes to compare (comma-separated) instead of training one


def main(argv):
    from .corpus import read_split
    from .options import parse_options
    args = parse_options(TokenizerOptions, argv, "diffuse.tokenizer")
    train = sample_texts([d["text"] for d in read_split(args.corpus, "train")], args.sample_bytes)
    if args.measure:
        val = [d["text"] for d in read_split(args.corpus, "val")]
        rows = measure(train, val, [int(x) for x in args.measure.split(",")])
        if args.out:
            with open(args.out, "w") as f:
                json.dump(rows, f, indent=1)
        return
    if not args.out:
        raise SystemExit("diffuse.tokenizer: missing required --out (the tokenizer.json to write)")
    tok = train_tokenizer(train, args.vocab_size)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tok.save(args.out)
    print(f"wrote {args.out} vocab={tok.get_vocab_size()} sha256={sha256_file(args.out)}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Small stand-ins so most tests run without the `tokenizers` library (CI has none)."""


class _Enc:
    def __init__(self, ids, offsets):
        self.ids, self.offsets = ids, offsets


class CharTokenizer:
    """One token per character (ids 3..258), with the `tokenizers` encode/decode surface."""

    def encode(self, text, add_special_tokens=False):
        return _Enc([3 + (ord(c) % 256) for c in text], [(i, i + 1) for i in range(len(text))])

    def encode_batch(self, texts, add_special_tokens=False):
        return [self.encode(t) for t in texts]

    def decode(self, ids, skip_special_tokens=False):
        return "".join(chr(i - 3) for i in ids if i >= 3)

    def get_vocab_size(self):
        return 259


DOCS = [
    "def add(a, b):\n    return a + b\n\n\nclass Foo:\n    def bar(self):\n        x = 1\n        return x\n",
    "import os\nimport sys\n\nfor i in range(10):\n    if i % 2:\n        print(i)\n    else:\n        pass\n",
    "# Title\n\nSome prose here, with words.\n\n- a list item\n- another item\n\nThe end.\n",
    "function f(x) {\n  const y = x * 2;\n  return y + 1;\n}\n\nexport default f;\n",
]

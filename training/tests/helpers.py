"""Small stand-ins so most tests run without the `tokenizers` library (CI has none), and test archives."""
import io
import os
import stat
import subprocess
import tarfile
import urllib.error
import zipfile


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


def http_stub(body):
    """A stand-in for registry.http_get: the bytes body[url], HTTP 404 for any other url."""
    def get(url, timeout=60):
        if url not in body:
            raise urllib.error.HTTPError(url, 404, "Not Found", None, None)
        return body[url]
    return get


def zip_of(members):
    """A zip of (name, bytes) files; (name, None) is a symbolic link to /etc/passwd."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members:
            if data is None:
                info = zipfile.ZipInfo(name)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                z.writestr(info, "/etc/passwd")
            else:
                z.writestr(name, data)
    return buf.getvalue()


def tar_of(members, mode="w:gz"):
    """A tarball (gzipped unless mode says otherwise) of (name, bytes) files; (name, None) is a
    symbolic link to /etc/passwd. A .crate, a Debian .orig.tar.gz, ..."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            if data is None:
                info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
                t.addfile(info)
            else:
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def corpus_part(tmp_path, prefix, files):
    """tmp_path/<prefix>-01.tar.xz holding files {path below <prefix>/: bytes}, as a corpus' pack makes
    it; returns its glob, for pipeline.sh's *_PARTS."""
    src = tmp_path / "part-src"
    for rel, data in files.items():
        (src / prefix / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / prefix / rel).write_bytes(data)
    subprocess.run(["tar", "-C", str(src), "-cJf", str(tmp_path / f"{prefix}-01.tar.xz"), prefix], check=True)
    return str(tmp_path / f"{prefix}-*.tar.xz")


# a stand-in for python3 in pipeline.sh's corpus stage: no site-packages, datasketch present, the
# corpus builder's arguments written to $ARGS_OUT
FAKE_PYTHON = """#!/bin/sh
case "$1" in
  -) cat > /dev/null; echo "python0:/nonexistent" ;;
  -c) exit 0 ;;
  -m) shift 2; echo "$@" > "$ARGS_OUT" ;;
esac
"""
PARTS = ("PYPI_PARTS", "CRATES_PARTS", "GO_PARTS", "MAVEN_PARTS", "DEBIAN_PARTS")


def run_corpus_stage(tmp_path, **env):
    """pipeline.sh's corpus stage with FAKE_PYTHON, an empty npm tarball, WORK=tmp_path/work and every
    *_PARTS none but those given in env. Returns (the finished process, diffuse.corpus's arguments)."""
    fake = tmp_path / "python"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    (tmp_path / "node_modules").mkdir(exist_ok=True)
    subprocess.run(["tar", "-C", str(tmp_path), "-cJf", str(tmp_path / "npm.tar.xz"), "node_modules"], check=True)
    args = tmp_path / "corpus-args"
    env = {**os.environ, **dict.fromkeys(PARTS, "none"), "PYTHON": str(fake), "WORK": str(tmp_path / "work"),
           "NPM_TAR": str(tmp_path / "npm.tar.xz"), "ARGS_OUT": str(args), **env}
    training = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    run = subprocess.run(["bash", os.path.join(training, "pipeline.sh"), "corpus"], env=env, capture_output=True,
                         text=True, timeout=60)
    return run, args.read_text().split() if args.exists() else []


def weights_file(model, folder, kind):
    """`model`'s weights as a run's checkpoint (kind "ckpt.pt") or an exported graph ("model.onnx",
    skipped without onnx) in `folder`: the two files --init_from and --distill_from read. -> its path"""
    import pytest
    import torch
    path = str(folder / kind)
    if kind == "ckpt.pt":
        torch.save({"model": model.state_dict()}, path)
    else:
        pytest.importorskip("onnx")
        from diffuse.export import export_onnx
        export_onnx(model, path)
    return path

import hashlib
import json
import os
import tarfile

from helpers import http_stub, tar_of as crate

from diffuse.licences import licence_from_cargo
from diffuse.crates_corpus import INDEX, FetchConfig, PackConfig, SelectConfig, fetch, index_path, newest, select
from diffuse.pypi_corpus import pack

CARGO = ('[package]\nname = "c"\nversion = "1.0.0"\nauthors = [\n    "A <a@b>",\n]\nlicense = "MIT OR Apache-2.0"\n\n'
         '[dependencies.serde]\nversion = "1"\n\n[features]\ndefault = []\n')


def entry(name, vers, deps=(), yanked=False, cksum="0" * 64):
    return {"name": name, "vers": vers, "deps": [dict(d) for d in deps], "cksum": cksum, "yanked": yanked}


def dep(name, kind="normal", optional=False, **kw):
    return {"name": name, "req": "^1", "kind": kind, "optional": optional, **kw}


def stub(index, files=None):
    """A fake registry: the sparse index (crate name -> index entries) and the download URLs' bodies."""
    by_path = {f"{INDEX}/{index_path(n)}": "".join(json.dumps(e) + "\n" for e in es).encode()
               for n, es in index.items()}
    by_path.update(files or {})
    return http_stub(by_path)


def test_index_path_and_newest_release():
    assert [index_path(n) for n in ("a", "ab", "abc", "Serde")] == ["1/a", "2/ab", "3/a/abc", "se/rd/serde"]
    es = [entry("x", "0.9.0"), entry("x", "0.10.0"), entry("x", "0.11.0", yanked=True), entry("x", "1.0.0-rc.1"),
          entry("x", "0.10.1+build.5")]
    assert newest(es)["vers"] == "0.10.1+build.5"   # semver order, not text order; build metadata is a release
    assert newest([entry("x", "1.0.0-alpha")]) is None


def test_select_walks_dependencies_breadth_first(tmp_path):
    index = {
        "app": [entry("app", "1.1.0", [dep("lib"), dep("opt", optional=True), dep("harness", kind="dev"),
                                         dep("gen", kind="build"), dep("alias", package="real"), dep("windows-sys")]),
                entry("app", "1.2.0", yanked=True), entry("app", "2.0.0-rc.1")],
        "tool": [entry("tool", "0.1.0", [dep("lib", target="cfg(unix)")])],
        "lib": [entry("lib", "0.3.0", [dep("deep")])], "opt": [entry("opt", "1.0.0")], "gen": [entry("gen", "1.0.0")],
        "real": [entry("real", "1.0.0")], "harness": [entry("harness", "1.0.0")], "deep": [entry("deep", "1.0.0")],
        "pre": [entry("pre", "0.1.0-beta")],
    }
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("# seeds\napp\ntool\npre\nmissing\nhuman-eval\n")
    out = tmp_path / "c.txt"
    r = select(SelectConfig(seeds=str(seeds), out=str(out), jobs=2), get=stub(index))
    assert out.read_text().split() == ["app==1.1.0", "tool==0.1.0", "lib==0.3.0", "opt==1.0.0", "gen==1.0.0",
                                       "real==1.0.0", "deep==1.0.0"]
    assert r["dropped"] == {"bindings": 1, "benchmark": 1, "not_found": 1, "no_release": 1} and r["levels"] == 3
    select(SelectConfig(seeds=str(seeds), out=str(out), optional=False, max_crates=4), get=stub(index))
    assert out.read_text().split() == ["app==1.1.0", "tool==0.1.0", "lib==0.3.0", "gen==1.0.0"]


def test_fetch_checks_sha256_keeps_rs_md_and_records_licence(tmp_path):
    good = crate([("c-1.0.0/Cargo.toml", CARGO.encode()), ("c-1.0.0/Cargo.toml.orig", b"[package]\n"),
                  ("c-1.0.0/src/lib.rs", b"pub fn f() {}\n"), ("c-1.0.0/README.md", b"# c\n"),
                  ("c-1.0.0/src/data.bin", b"\x00\x01"), ("c-1.0.0/big.rs", b"//" * 200000),
                  ("c-1.0.0/../evil.rs", b"fn evil() {}\n"), ("c-1.0.0/src/link.rs", None)])
    bad = crate([("bad-0.1.0/src/lib.rs", b"fn tampered() {}\n")])
    index = {"c": [entry("c", "1.0.0", cksum=hashlib.sha256(good).hexdigest())],
             "bad": [entry("bad", "0.1.0", cksum=hashlib.sha256(b"the published one").hexdigest())]}
    files = {"https://static.crates.io/crates/c/c-1.0.0.crate": good,
             "https://static.crates.io/crates/bad/bad-0.1.0.crate": bad}
    (tmp_path / "pins.txt").write_text("c==1.0.0\nbad==0.1.0\ngone==1.0.0\n")
    dest = tmp_path / "dest"
    cfg = FetchConfig(packages=str(tmp_path / "pins.txt"), dest=str(dest), jobs=2, pins=str(tmp_path / "packages.txt"),
                      licences=str(tmp_path / "licences.tsv"))
    r = fetch(cfg, get=stub(index, files))
    assert r == {"ok": 1, "failed": 2, "raw_bytes": len(b"pub fn f() {}\n# c\n")}
    log = {json.loads(line)["name"]: json.loads(line) for line in open(dest / "fetched.jsonl")}
    assert log["bad"]["status"] == "checksum mismatch" and log["gone"]["status"] == "not in the index"
    got = sorted(os.path.relpath(os.path.join(d, f), dest) for d, _, fs in os.walk(dest) for f in fs)
    assert got == ["crates/c-1.0.0/Cargo.toml", "crates/c-1.0.0/README.md", "crates/c-1.0.0/src/lib.rs",
                   "fetched.jsonl"]
    assert (dest / "crates/c-1.0.0/Cargo.toml").read_text() == CARGO.split("\n\n")[0] + "\n\n"   # [package] only
    assert (tmp_path / "packages.txt").read_text() == "c==1.0.0\n"
    assert (tmp_path / "licences.tsv").read_text().split("\n")[1] == (
        f"c\t1.0.0\tcrate\tMIT OR Apache-2.0\tc-1.0.0.crate\t{hashlib.sha256(good).hexdigest()}")


def test_licence_from_cargo():
    assert licence_from_cargo(CARGO) == "MIT OR Apache-2.0"
    assert licence_from_cargo('[package]\nname = "x"\nlicense-file = "LICENSE.txt"\n') == "file:LICENSE.txt"
    assert licence_from_cargo('[package]\nname = "x"\n') is None
    assert licence_from_cargo("[package\nnot toml") is None


def test_pack_carries_cargo_toml(tmp_path):
    d = tmp_path / "crates" / "c-1.0.0"
    (d / "src").mkdir(parents=True)
    (d / "Cargo.toml").write_text(CARGO)
    (d / "src" / "lib.rs").write_text("pub fn f() {}\n")
    (tmp_path / "kept.txt").write_text("crates/c-1.0.0/src/lib.rs\n")
    parts = pack(PackConfig(root=str(tmp_path / "crates"), kept=str(tmp_path / "kept.txt"), out=str(tmp_path / "parts"),
                            xz="xz -0"))
    with tarfile.open(parts[0]["part"]) as t:
        assert sorted(t.getnames()) == ["crates/c-1.0.0/Cargo.toml", "crates/c-1.0.0/src/lib.rs"]
    assert os.path.basename(parts[0]["part"]) == "crates-01.tar.xz"

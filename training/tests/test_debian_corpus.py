import gzip
import hashlib
import json
import lzma
import os
import shutil
import subprocess
import tarfile

import pytest

from helpers import corpus_part, http_stub, run_corpus_stage, tar_of

from diffuse.corpus import EXTENSIONS, CorpusConfig, find_licences, reject_reason
from diffuse.debian_corpus import (MIRROR, KEYRING, ChecksumError, FetchConfig, PackConfig, SelectConfig,
                                   created_by_diff, fetch, folder_of, pack, parse_sources, select, sources_text,
                                   upstream_tarball, verified_release, version_key)
from diffuse.licences import deb822_paragraphs, licence_from_debian_copyright, licence_from_dep5

DEP5 = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: alpha
Source: https://example.org/alpha

Files: *
Copyright: 2020 A
License: GPL-2+
 This program is free software; you can redistribute it
 .
 and so on.

Files: debian/*
Copyright: 2021 B
License: Expat

Files: * src/*
Copyright: 2020 A
License: Expat

License: Expat
 Permission is hereby granted, free of charge, ...
"""
FREE_FORM = "This package was debianized by B on Mon, 1 Jan 2001.\n\nCopyright: 2000 A\n\nLicense: GPL\n"
MIT = ("MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\n"
       "of this software and associated documentation files (the \"Software\"), to deal\n")
C_FILE = b"#include <stdio.h>\n\nint main(void) {\n    puts(\"hello\");\n    return 0;\n}\n"


def paragraph(name, version, files, extra=""):
    """A Sources paragraph listing files {file name: bytes} with their md5-less Files and sha256."""
    sums = "".join(f" {hashlib.sha256(d).hexdigest()} {len(d)} {f}\n" for f, d in files.items())
    return (f"Package: {name}\nBinary: {name}-bin\nVersion: {version}\nFormat: 3.0 (quilt)\n"
            f"Files:\n" + "".join(f" 0123 {len(d)} {f}\n" for f, d in files.items()) +
            f"Checksums-Sha256:\n{sums}Directory: pool/main/{name[0]}/{name}\n{extra}")


def mirror(packages, suite="trixie", missing=(), tamper=None):
    """A fake deb.debian.org: packages [(name, version, {file: bytes}, extra fields)] in the suite's
    Sources.xz, listed (with its sha256) in an InRelease with a made-up signature; files named in
    missing answer 404; tamper: a file served with other bytes than the index says."""
    sources = "\n".join(paragraph(*p) for p in packages).encode()
    index = lzma.compress(sources)
    release = (f"Origin: Debian\nSuite: stable\nCodename: {suite}\nSHA256:\n"
               f" {'0' * 64} 57421616 main/source/Sources\n"
               f" {hashlib.sha256(index).hexdigest()} {len(index)} main/source/Sources.xz\n")
    body = {f"{MIRROR}/dists/{suite}/InRelease": ("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n" + release +
                                                  "-----BEGIN PGP SIGNATURE-----\n\nnot a signature\n"
                                                  "-----END PGP SIGNATURE-----\n").encode(),
            f"{MIRROR}/dists/{suite}/main/source/Sources.xz": index}
    for name, _, files, _ in packages:
        for f, data in files.items():
            if f not in missing:
                body[f"{MIRROR}/pool/main/{name[0]}/{name}/{f}"] = data + (b"x" if f == tamper else b"")
    return http_stub(body)


def test_deb822_paragraphs_join_continuation_lines():
    [p] = deb822_paragraphs(paragraph("zlib", "1:1.3-1", {"zlib_1.3.orig.tar.gz": b"a", "zlib_1.3-1.debian.tar.xz": b"b"}))
    assert p["package"] == "zlib" and p["version"] == "1:1.3-1" and p["directory"] == "pool/main/z/zlib"
    assert p["checksums-sha256"].split("\n")[1:] == [f"{hashlib.sha256(b'a').hexdigest()} 1 zlib_1.3.orig.tar.gz",
                                                    f"{hashlib.sha256(b'b').hexdigest()} 1 zlib_1.3-1.debian.tar.xz"]


def test_parse_sources_reads_files_and_sha256_and_picks_the_current_version():
    text = "\n".join([
        paragraph("zlib", "1:1.3-1", {"zlib_1.3.orig.tar.gz": b"old"}, "Extra-Source-Only: yes\n"),
        paragraph("zlib", "1:1.3-1+deb13u1", {"zlib_1.3.orig.tar.gz": b"new", "zlib_1.3-1+deb13u1.dsc": b"d"}),
        paragraph("other", "1.0-1", {"other_1.0.orig.tar.gz": b"o"})])
    found = parse_sources(text, {"zlib", "absent"})
    assert list(found) == ["zlib"] and [p.extra_source_only for p in found["zlib"]] == [True, False]
    current = found["zlib"][1]
    assert current.files == {"zlib_1.3.orig.tar.gz": hashlib.sha256(b"new").hexdigest(),
                             "zlib_1.3-1+deb13u1.dsc": hashlib.sha256(b"d").hexdigest()}
    assert current.url("zlib_1.3.orig.tar.gz") == f"{MIRROR}/pool/main/z/zlib/zlib_1.3.orig.tar.gz"
    assert folder_of(current.spec) == "zlib_1.3-1+deb13u1"


def test_version_key_is_dpkgs_order():
    ordered = ["1.0~rc1-1", "1.0-1", "1.0-1+deb13u1", "1.0a-1", "1.0.1-1", "1.10-1", "2.0~beta-1", "2.0", "1:0.1-1"]
    assert sorted(reversed(ordered), key=version_key) == ordered


def test_upstream_tarball_orig_native_and_components():
    files = {"a_1.0.orig.tar.xz", "a_1.0.orig-docs.tar.gz", "a_1.0.orig.tar.xz.asc", "a_1.0-1.debian.tar.xz", "a_1.0-1.dsc"}
    quilt = parse_sources(paragraph("a", "1.0-1", dict.fromkeys(files, b"x")), {"a"})["a"][0]
    assert upstream_tarball(quilt) == "a_1.0.orig.tar.xz"
    native = parse_sources(paragraph("b", "2:3.1", {"b_3.1.tar.gz": b"x", "b_3.1.dsc": b"x"}), {"b"})["b"][0]
    assert upstream_tarball(native) == "b_3.1.tar.gz"
    nothing = parse_sources(paragraph("c", "1-1", {"c_1-1.dsc": b"x"}), {"c"})["c"][0]
    assert upstream_tarball(nothing) is None


def test_select_checks_the_index_against_release(tmp_path):
    packages = [("zlib", "1:1.3-1", {"zlib_1.3.orig.tar.gz": b"z"}, ""), ("jq", "1.7-1", {"jq_1.7.orig.tar.gz": b"j"}, "")]
    (tmp_path / "seeds.txt").write_text("# comment\njq\nzlib\nnot-in-debian\njq\n")
    out = tmp_path / "candidates.txt"
    r = select(SelectConfig(seeds=str(tmp_path / "seeds.txt"), keyring="", out=str(out)), get=mirror(packages))
    assert out.read_text().split() == ["jq==1.7-1", "zlib==1:1.3-1"] and r == {"candidates": 2, "not_found": ["not-in-debian"]}
    good = mirror(packages)

    def swapped(url, timeout=60):   # another index than the Release file vouches for
        if url.endswith("Sources.xz"):
            return lzma.compress(b"Package: evil\n")
        return good(url, timeout)
    with pytest.raises(ChecksumError, match="Sources.xz"):
        sources_text(MIRROR, "trixie", "", swapped)


@pytest.mark.skipif(not shutil.which("gpgv") or not os.path.exists(KEYRING), reason="gpgv or Debian's keyring absent")
def test_an_unsigned_release_is_refused():
    inrelease = mirror([])(f"{MIRROR}/dists/trixie/InRelease")
    with pytest.raises(subprocess.CalledProcessError):
        verified_release(inrelease, KEYRING)


def test_licence_from_dep5():
    assert licence_from_dep5(DEP5) == "Expat"   # the last `Files: *` paragraph
    assert licence_from_dep5(DEP5.replace("Files: * src/*", "Files: src/*")) == "GPL-2+"
    header_only = "Format: http://dep.debian.net/deps/dep5\nLicense: BSD-3-clause\n\nFiles: src/*\nLicense: MIT\n"
    assert licence_from_dep5(header_only) == "BSD-3-clause"
    assert licence_from_dep5(FREE_FORM) is None and licence_from_dep5("") is None
    assert licence_from_debian_copyright("==> COPYING <==\n" + MIT) == "MIT"   # upstream licence files
    assert licence_from_debian_copyright(FREE_FORM) is None


def test_created_by_diff_reads_a_format_1_diff():
    diff = (b"--- a-1.0.orig/src/x.c\n+++ a-1.0/src/x.c\n@@ -1 +1 @@\n-old\n+new\n"
            b"--- a-1.0.orig/debian/copyright\n+++ a-1.0/debian/copyright\t2024-01-01\n@@ -0,0 +1,2 @@\n"
            b"+Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n+\n"
            b"--- a-1.0.orig/debian/rules\n+++ a-1.0/debian/rules\n@@ -0,0 +1 @@\n+#!/usr/bin/make -f\n")
    assert created_by_diff(diff, "debian/copyright") == (
        b"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n")
    assert created_by_diff(diff, "debian/control") is None


ALPHA = tar_of([("alpha-1.0/src/a.c", C_FILE), ("alpha-1.0/include/a.h", b"int a(void);\n"),
                ("alpha-1.0/src/b.cpp", b"int b() { return 2; }\n"), ("alpha-1.0/README.md", b"# alpha\n"),
                ("alpha-1.0/configure", b"#! /bin/sh\n# Generated by GNU Autoconf\n"),
                ("alpha-1.0/third_party/zlib/zlib.c", C_FILE), ("alpha-1.0/src/vendor/v.h", b"int v;\n"),
                ("alpha-1.0/deps/uv/uv.c", C_FILE), ("alpha-1.0/tests/data/input.c", C_FILE),
                ("alpha-1.0/tests/test_a.c", C_FILE), ("alpha-1.0/big.c", b"/*" + b" " * 300_000 + b"*/\n"),
                ("alpha-1.0/link.c", None), ("alpha-1.0/../evil.c", C_FILE), ("alpha-1.0/COPYING", MIT.encode())])


def packages():
    """(name, version, files, extra) of the fake mirror's packages, one for each way of reading a licence."""
    return [
        ("alpha", "1:1.0-2", {"alpha_1.0.orig.tar.gz": ALPHA, "alpha_1.0-2.dsc": b"dsc",
                              "alpha_1.0-2.debian.tar.xz": tar_of([("debian/copyright", DEP5.encode())], "w:xz")}, ""),
        ("native", "3.1", {"native_3.1.tar.xz": tar_of([("native-3.1/src/n.cc", b"int n() { return 3; }\n"),
                                                        ("native-3.1/debian/copyright", DEP5.encode()),
                                                        ("native-3.1/debian/helper.c", C_FILE)], "w:xz")}, ""),
        ("unserved", "2.0-1", {"unserved_2.0.orig.tar.bz2": tar_of([("u-2.0/u.c", C_FILE), ("u-2.0/LICENSE", MIT.encode())],
                                                                    "w:bz2"),
                               "unserved_2.0-1.debian.tar.xz": b"never served"}, ""),
        ("freeform", "1.0-1", {"freeform_1.0.orig.tar.gz": tar_of([("f-1.0/f.c", C_FILE)]),
                               "freeform_1.0-1.debian.tar.xz": tar_of([("debian/copyright", FREE_FORM.encode())], "w:xz")}, ""),
        ("old", "0.9-1", {"old_0.9.orig.tar.gz": tar_of([("old-0.9/o.c", C_FILE)]),
                          "old_0.9-1.diff.gz": gzip.compress(b"--- old-0.9.orig/debian/copyright\n"
                                                             b"+++ old-0.9/debian/copyright\n@@ -0,0 +1,5 @@\n+"
                                                             + DEP5.split("\n\n")[0].replace("\n", "\n+").encode()
                                                             + b"\n+\n+Files: *\n+License: Zlib\n")}, ""),
        ("tampered", "1.0-1", {"tampered_1.0.orig.tar.gz": tar_of([("t-1.0/t.c", C_FILE)]),
                               "tampered_1.0-1.debian.tar.xz": tar_of([("debian/copyright", DEP5.encode())], "w:xz")}, ""),
    ]


def test_fetch_checks_sha256_keeps_c_files_and_records_licences(tmp_path):
    specs = ["alpha==1:1.0-2", "native==3.1", "unserved==2.0-1", "freeform==1.0-1", "old==0.9-1", "tampered==1.0-1",
             "superseded==0.1-1"]
    (tmp_path / "pins-in.txt").write_text("\n".join(specs) + "\n")
    get = mirror(packages(), missing={"unserved_2.0-1.debian.tar.xz"}, tamper="tampered_1.0.orig.tar.gz")
    cfg = FetchConfig(packages=str(tmp_path / "pins-in.txt"), dest=str(tmp_path / "dest"), jobs=2, keyring="",
                      pins=str(tmp_path / "packages.txt"), licences=str(tmp_path / "licences.tsv"))
    r = fetch(cfg, get=get)
    assert r["ok"] == 4 and r["failed"] == 3
    records = {json.loads(line)["name"]: json.loads(line) for line in open(tmp_path / "dest" / "fetched.jsonl")}
    assert records["tampered"]["status"].startswith("checksum mismatch: tampered==1.0-1 tampered_1.0.orig.tar.gz")
    assert records["freeform"]["status"] == "no licence (debian/copyright: not DEP-5)"
    assert records["superseded"]["status"].startswith("not in the index")
    assert (tmp_path / "packages.txt").read_text().split() == ["alpha==1:1.0-2", "native==3.1", "unserved==2.0-1", "old==0.9-1"]
    rows = [line.split("\t") for line in (tmp_path / "licences.tsv").read_text().splitlines()]
    assert rows[0] == ["name", "version", "licence", "licence_from", "file", "sha256"]
    assert [row[:5] for row in rows[1:]] == [
        ["alpha", "1:1.0-2", "Expat", "debian/copyright", "alpha_1.0.orig.tar.gz"],
        ["native", "3.1", "Expat", "debian/copyright", "native_3.1.tar.xz"],
        ["unserved", "2.0-1", "MIT", "upstream licence files", "unserved_2.0.orig.tar.bz2"],
        ["old", "0.9-1", "Zlib", "debian/copyright", "old_0.9.orig.tar.gz"]]
    assert rows[1][5] == hashlib.sha256(ALPHA).hexdigest()
    root = tmp_path / "dest" / "debian"
    kept = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert kept == ["alpha_1.0-2/README.md", "alpha_1.0-2/copyright", "alpha_1.0-2/include/a.h", "alpha_1.0-2/src/a.c",
                    "alpha_1.0-2/src/b.cpp", "alpha_1.0-2/tests/test_a.c",
                    "native_3.1/copyright", "native_3.1/src/n.cc",
                    "old_0.9-1/copyright", "old_0.9-1/o.c", "unserved_2.0-1/copyright", "unserved_2.0-1/u.c"]
    assert not (tmp_path / "dest" / "evil.c").exists() and not (root / "evil.c").exists()
    assert (root / "alpha_1.0-2" / "copyright").read_text() == DEP5
    assert (root / "unserved_2.0-1" / "copyright").read_text() == "==> LICENSE <==\n" + MIT


def test_fetch_without_upstream_licences_leaves_unserved_copyrights_out(tmp_path):
    (tmp_path / "pins-in.txt").write_text("unserved==2.0-1\n")
    cfg = FetchConfig(packages=str(tmp_path / "pins-in.txt"), dest=str(tmp_path / "dest"), keyring="",
                      upstream_licences=False)
    assert fetch(cfg, get=mirror(packages(), missing={"unserved_2.0-1.debian.tar.xz"}))["ok"] == 0


def test_corpus_reads_c_files_and_debian_licences(tmp_path):
    assert (EXTENSIONS[".c"], EXTENSIONS[".h"], EXTENSIONS[".cc"], EXTENSIONS[".hpp"]) == ("c", "c", "cpp", "cpp")
    for folder, text in [("alpha_1.0-2", DEP5), ("unserved_2.0-1", "==> LICENSE <==\n" + MIT)]:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "copyright").write_text(text)
    assert find_licences(str(tmp_path)) == {"alpha_1.0-2": "Expat", "unserved_2.0-1": "MIT"}


BISON = "/* A Bison parser, made by GNU Bison 3.8.2.  */\n\n/* Bison implementation for Yacc-like parsers in C */\n"
FLEX = '#line 1 "scanner.c"\n\n#line 3 "scanner.c"\n\n#define  YY_INT_ALIGNED short int\n\n/* A lexical scanner generated by flex */\n'
GPERF = "/* ANSI-C code produced by gperf version 3.1 */\n/* Command-line: gperf -pt -T -L ANSI-C */\n"


@pytest.mark.parametrize("head", [BISON, FLEX, GPERF])
def test_generated_c_files(tmp_path, head):
    text = head + "int yyparse(void) {\n    return 0;\n}\n" * 3
    assert reject_reason(str(tmp_path / "parser.c"), "p/parser.c", text.encode(), CorpusConfig()) == "generated"
    hand_written = "/* A parser for the config language, driven by the Bison grammar. */\n" + text[len(head):]
    assert reject_reason(str(tmp_path / "parser.c"), "p/parser.c", hand_written.encode(), CorpusConfig()) is None


def test_pack_packs_fetched_packages_with_their_copyright_in_pin_order(tmp_path):
    (tmp_path / "pins.txt").write_text("native==3.1\nalpha==1:1.0-2\n")
    fetch(FetchConfig(packages=str(tmp_path / "pins.txt"), dest=str(tmp_path / "dest"), keyring=""), get=mirror(packages()))
    (tmp_path / "kept.txt").write_text("debian/alpha_1.0-2/src/a.c\ndebian/native_3.1/src/n.cc\n")
    parts = pack(PackConfig(root=str(tmp_path / "dest" / "debian"), kept=str(tmp_path / "kept.txt"),
                            out=str(tmp_path / "parts"), order=str(tmp_path / "pins.txt"), xz="xz -0"))
    assert [(os.path.basename(p["part"]), p["first"], p["last"]) for p in parts] == [
        ("debian-01.tar.xz", "native_3.1", "alpha_1.0-2")]
    with tarfile.open(parts[0]["part"]) as t:
        assert sorted(t.getnames()) == ["debian/alpha_1.0-2/copyright", "debian/alpha_1.0-2/src/a.c",
                                        "debian/native_3.1/copyright", "debian/native_3.1/src/n.cc"]


def test_pipeline_unpacks_debian_parts(tmp_path):
    parts = corpus_part(tmp_path, "debian", {"zlib_1.3-1/zlib.c": C_FILE})
    run, args = run_corpus_stage(tmp_path, DEBIAN_PARTS=parts)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "debian: 1 parts, 1 packages" in run.stdout and f"--src=debian:{tmp_path}/work/debian" in args
    assert (tmp_path / "work" / "debian" / "zlib_1.3-1" / "zlib.c").read_bytes() == C_FILE
    run, args = run_corpus_stage(tmp_path)   # DEBIAN_PARTS=none
    assert run.returncode == 0 and not [a for a in args if a.startswith("--src=debian:")]

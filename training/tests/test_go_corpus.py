import hashlib
import io
import json
import os
import subprocess
import tarfile
import urllib.error
import zipfile

import pytest

from helpers import run_corpus_stage, zip_of

from diffuse.licences import join_licence_files, licence_from_licence_files, licence_from_text
from diffuse.go_corpus import (PROXY, FetchConfig, PackConfig, SelectConfig, escape, fetch, folder_of, module_folder,
                               newest_version, pack, requires, select, unretracted, zip_h1)

# the files of a tiny module zip and the h1: hash `go mod download -json example.com/tiny@v1.0.0` gave
# for it (go1.26.8, served from a file:// GOPROXY, GOSUMDB=off)
TINY = [("example.com/tiny@v1.0.0/go.mod", b"module example.com/tiny\n\ngo 1.22\n"),
        ("example.com/tiny@v1.0.0/tiny.go", b"package tiny\n\n// One is one.\nfunc One() int { return 1 }\n"),
        ("example.com/tiny@v1.0.0/LICENSE", b"Public domain.\n"),
        ("example.com/tiny@v1.0.0/sub/b.go", b"package sub\n")]
TINY_H1 = "h1:aAJtO7x3zJrTshzs5H3qealhPiPUI+f4E8Dhpm3Wo7g="
MIT = ("MIT License\n\nCopyright (c) 2024 A\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\n"
       "of this software and associated documentation files (the \"Software\"), to deal\nin the Software without restriction\n")
GO_MOD = """module example.com/app

go 1.22

require github.com/single/line v1.0.0
require "github.com/quoted/path" v1.2.0 // a comment
require (
\tgithub.com/in/block v1.2.3
\tgithub.com/marked/indirect v0.1.0 // indirect
\tgithub.com/indirect/with-note v0.2.0 // indirect; kept for the build
)

replace (
\tgithub.com/in/block => ../block
\tgithub.com/other/mod v1.0.0 => github.com/fork/mod v1.1.0
)
replace github.com/single/line => github.com/single/fork v1.0.0
exclude github.com/in/block v1.2.2
retract [v0.9.0, v0.9.5]
"""


def proxy(modules, refused=()):
    """A fake Go module proxy: module -> {version: (go.mod text, zip bytes or None)}; an empty dict
    lists no version (@latest then names the last one given in `latest`); refused names answer 403."""
    body = {}
    for module, versions in modules.items():
        base = f"{PROXY}/{escape(module)}/@v"
        body[f"{base}/list"] = "".join(f"{v}\n" for v in versions if not v.startswith("latest:")).encode()
        for v, (go_mod, data) in versions.items():
            if v.startswith("latest:"):
                v = v.split(":", 1)[1]
                body[f"{PROXY}/{escape(module)}/@latest"] = json.dumps({"Version": v}).encode()
            body[f"{base}/{escape(v)}.mod"] = go_mod.encode()
            if data is not None:
                body[f"{base}/{escape(v)}.zip"] = data

    def get(url, timeout=60):
        if any(f"/{escape(r)}/@" in url for r in refused):
            raise urllib.error.HTTPError(url, 403, "Forbidden", None, None)
        if url not in body:
            raise urllib.error.HTTPError(url, 404, "Not Found", None, None)
        return body[url]
    return get


def mod(path, *deps):
    return f"module {path}\n\ngo 1.21\n" + "".join(f"require {d} v1.0.0\n" for d in deps)


def test_escape_and_module_folders():
    assert escape("github.com/BurntSushi/toml") == "github.com/!burnt!sushi/toml"
    assert module_folder("github.com/BurntSushi/toml", "v1.4.0") == "github.com+!burnt!sushi+toml@v1.4.0"
    assert folder_of("gopkg.in/yaml.v3==v3.0.1") == "gopkg.in+yaml.v3@v3.0.1"
    # one path component a module; modules apart only in case stay apart
    assert module_folder("github.com/Sirupsen/logrus", "v1.0.0") != module_folder("github.com/sirupsen/logrus", "v1.0.0")
    assert "/" not in folder_of("github.com/docker/docker==v28.0.0+incompatible")


def test_requires_reads_lines_and_blocks_not_indirect_replace_or_exclude():
    assert requires(GO_MOD) == ["github.com/single/line", "github.com/quoted/path", "github.com/in/block"]
    assert requires("module x\n") == []


def test_newest_version_skips_pre_releases_and_handles_incompatible_and_untagged():
    no_go_mod = {"v1.5.0": "module m\n"}
    own = {"v1.5.0": "module m\n\ngo 1.20\n"}
    listed = ["v1.2.0", "v1.10.0", "v1.11.0-rc.1", "v1.9.9", "v0.0.0-20240101000000-abcdefabcdef"]
    assert newest_version(listed, None) == "v1.10.0"   # semver order, not text order; never a pre-release
    incompatible = ["v1.5.0", "v2.0.0+incompatible", "v3.1.0+incompatible", "v4.0.0-beta.1+incompatible"]
    assert newest_version(incompatible, no_go_mod.get) == "v3.1.0+incompatible"   # v1.5.0 has no go.mod of its own
    assert newest_version(incompatible, own.get) == "v1.5.0"                      # it has: the go command stays on v1
    pseudo = ["v0.0.0-20191227052852-215e87163ea7", "v0.0.0-20241129210726-2c02b8208cf8", "v0.0.0-20200121045136-8c9f03a8e57e"]
    assert newest_version(pseudo, None) == "v0.0.0-20241129210726-2c02b8208cf8"   # an untagged module
    assert newest_version([], None) is None


def test_retractions_of_the_newest_go_mod_apply():
    versions = ["v0.36.0", "v0.37.2", "v0.38.0-beta.0", "v1.5.0", "v1.5.2"]
    go_mods = {"v1.5.2": "module k8s.io/client-go\n\nretract (\n\t// obsolete\n\tv1.5.2\n\t[v1.4.0, v1.5.1]\n)\n"}
    kept = unretracted(versions, go_mods.get)
    assert kept == ["v0.36.0", "v0.37.2", "v0.38.0-beta.0"] and newest_version(kept, go_mods.get) == "v0.37.2"
    assert unretracted(["v1.0.0", "v0.9.3"], {"v1.0.0": GO_MOD}.get) == ["v1.0.0"]   # retract [v0.9.0, v0.9.5]


def test_select_walks_requires_breadth_first(tmp_path):
    modules = {
        "example.com/app": {"v1.1.0": (mod("example.com/app", "example.com/lib", "google.golang.org/api",
                                           "example.com/gone", "example.com/refused", "example.com/untagged"), None),
                            "v1.2.0-rc.1": ("module example.com/app\n", None)},
        "example.com/tool": {"v0.1.0": (mod("example.com/tool", "example.com/lib", "example.com/Moved"), None)},
        "example.com/lib": {"v0.3.0": (mod("example.com/lib", "example.com/deep"), None)},
        "example.com/deep": {"v1.0.0": (mod("example.com/deep"), None)},
        "example.com/Moved": {"v1.0.0": (mod("example.com/moved"), None)},   # its go.mod names another path
        "example.com/untagged": {"latest:v0.0.0-20240101000000-abcdefabcdef": (mod("example.com/untagged"), None)},
        "github.com/x/humaneval-go": {"v1.0.0": (mod("github.com/x/humaneval-go"), None)},
    }
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("# seeds\nexample.com/app\nexample.com/tool\ngithub.com/x/humaneval-go\n")
    out = tmp_path / "c.txt"
    r = select(SelectConfig(seeds=str(seeds), out=str(out), jobs=2), get=proxy(modules, refused=["example.com/refused"]))
    assert out.read_text().split() == ["example.com/app==v1.1.0", "example.com/tool==v0.1.0", "example.com/lib==v0.3.0",
                                       "example.com/untagged==v0.0.0-20240101000000-abcdefabcdef",
                                       "example.com/deep==v1.0.0"]
    assert r["dropped"] == {"bindings": 1, "benchmark": 1, "not_found": 2, "no_version": 0, "path_mismatch": 1}
    assert r["levels"] == 3
    select(SelectConfig(seeds=str(seeds), out=str(out), max_modules=3), get=proxy(modules))
    assert out.read_text().split() == ["example.com/app==v1.1.0", "example.com/tool==v0.1.0", "example.com/lib==v0.3.0"]


def h1_of(data):
    return zip_h1(zipfile.ZipFile(io.BytesIO(data)))


def test_zip_h1_is_the_go_commands():
    assert h1_of(zip_of(TINY)) == TINY_H1
    assert h1_of(zip_of(TINY[::-1])) == TINY_H1   # the members' order is no matter


def test_fetch_keeps_go_md_and_licence_checks_h1_against_go_sums(tmp_path):
    lib = zip_of([("example.com/lib@v0.2.0/COPYING", b"Ask the author.\n"), ("example.com/lib@v0.2.0/LICENSE-MIT", MIT.encode()),
                  ("example.com/lib@v0.2.0/lib.go", b"package lib\n")])
    bad = zip_of([("example.com/bad@v1.0.0/LICENSE", MIT.encode()), ("example.com/bad@v1.0.0/bad.go", b"package bad\n")])
    unlicensed = zip_of([("example.com/nolicence@v1.0.0/n.go", b"package n\n")])
    lib_h1 = h1_of(lib)
    # app's author's go command recorded lib's zip as served, and another zip than the one served for bad
    go_sum = (f"example.com/lib v0.2.0 {lib_h1}\nexample.com/lib v0.2.0/go.mod h1:whatever=\n"
              f"example.com/bad v1.0.0 h1:not-the-one-served=\n")
    p = "example.com/app@v1.0.0/"
    app = zip_of([(p + "go.mod", b"module example.com/app\n"), (p + "go.sum", go_sum.encode()), (p + "LICENSE", MIT.encode()),
                  (p + "app.go", b"package app\n"), (p + "README.md", b"# app\n"), (p + "license.go", b"package app\n"),
                  (p + "vendor/github.com/x/y/y.go", b"package y\n"), (p + "internal/testdata/case.go", b"package x\n"),
                  (p + "big.go", b"//" * 200000), (p + "logo.png", b"\x89PNG"), (p + "../evil.go", b"package evil\n"),
                  ("/etc/cron.d/evil.go", b"package evil\n"), ("example.com/other@v1.0.0/x.go", b"package x\n"),
                  (p + "link.go", None)])
    modules = {"example.com/app": {"v1.0.0": ("", app)}, "example.com/lib": {"v0.2.0": ("", lib)},
               "example.com/bad": {"v1.0.0": ("", bad)}, "example.com/nolicence": {"v1.0.0": ("", unlicensed)}}
    (tmp_path / "pins.txt").write_text("example.com/app==v1.0.0\nexample.com/lib==v0.2.0\nexample.com/bad==v1.0.0\n"
                                       "example.com/nolicence==v1.0.0\nexample.com/gone==v1.0.0\n")
    dest = tmp_path / "dest"
    cfg = FetchConfig(packages=str(tmp_path / "pins.txt"), dest=str(dest), jobs=2, pins=str(tmp_path / "packages.txt"),
                      licences=str(tmp_path / "licences.tsv"))
    r = fetch(cfg, get=proxy(modules))
    assert r == {"ok": 3, "failed": 2, "raw_bytes": len(b"package app\n# app\npackage app\npackage lib\npackage bad\n")}
    log = {json.loads(line)["name"]: json.loads(line) for line in open(dest / "fetched.jsonl")}
    assert log["example.com/nolicence"]["status"] == "no licence file"
    assert log["example.com/gone"]["status"].startswith("download error")
    got = sorted(os.path.relpath(os.path.join(d, f), dest / "go") for d, _, fs in os.walk(dest / "go") for f in fs)
    assert got == ["example.com+app@v1.0.0/LICENSE", "example.com+app@v1.0.0/README.md", "example.com+app@v1.0.0/app.go",
                   "example.com+app@v1.0.0/go.sum", "example.com+app@v1.0.0/license.go",
                   "example.com+lib@v0.2.0/LICENSE", "example.com+lib@v0.2.0/lib.go"]   # bad's folder removed
    assert (dest / "go/example.com+app@v1.0.0/LICENSE").read_text() == "==> LICENSE <==\n" + MIT
    # bad's zip is not the one app's go.sum records: no pin; lib's is, by one go.sum
    assert (tmp_path / "packages.txt").read_text() == "example.com/app==v1.0.0\nexample.com/lib==v0.2.0\n"
    rows = [line.split("\t") for line in (tmp_path / "licences.tsv").read_text().splitlines()]
    assert rows[0] == ["module", "version", "licence", "zip_sha256", "h1", "go_sum"]
    assert rows[1] == ["example.com/app", "v1.0.0", "MIT", hashlib.sha256(app).hexdigest(), log["example.com/app"]["h1"], "0"]
    assert rows[2] == ["example.com/lib", "v0.2.0", "file:COPYING AND MIT", hashlib.sha256(lib).hexdigest(), lib_h1, "1"]


APACHE = ("                                 Apache License\n                           Version 2.0, January 2004\n"
          "                        http://www.apache.org/licenses/\n\n   TERMS AND CONDITIONS FOR USE, REPRODUCTION\n")
BSD = ("Copyright (c) 2009 The Go Authors.\n\nRedistribution and use in source and binary forms, with or without\n"
       "modification, are permitted provided that the following conditions are\nmet:\n\n"
       "   * Redistributions of source code must retain the above copyright\n")
BSD3 = BSD + ("   * Neither the name of Google LLC nor the names of its\ncontributors may be used to endorse or promote products\n")
ISC = ("Copyright (c) 2015, Dave\n\nPermission to use, copy, modify, and/or distribute this software for any\npurpose "
       "with or without fee is hereby granted, provided that the above\ncopyright notice and this permission notice appear "
       "in all copies.\n")
ZERO_BSD = ("Permission to use, copy, modify, and/or distribute this software for any\npurpose with or without fee is hereby "
            "granted.\n\nTHE SOFTWARE IS PROVIDED \"AS IS\"\n")
MPL = ("Mozilla Public License Version 2.0\n==================================\n\n1.12. \"Secondary License\"\n"
       "    means either the GNU General Public License, Version 2.0, the GNU Lesser\n    General Public License, Version "
       "2.1, the GNU Affero General Public\n    License, Version 3.0, or any later versions of those licenses.\n")
GPL3 = ("                    GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007\n\n  13. Use with the "
        "GNU Affero General Public License.\n  ... version 3 of the GNU Affero General Public License into a single\n")
GPL2 = ("\t\t    GNU GENERAL PUBLIC LICENSE\n\t\t       Version 2, June 1991\n\n(Some other Free Software Foundation "
        "software is covered by\nthe GNU Library General Public License instead.)\n")
LGPL3 = ("\t\t   GNU LESSER GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007\n\n  This version of the GNU "
         "Lesser General Public License incorporates\nthe terms and conditions of version 3 of the GNU General Public\n")
LGPL21 = "\t\t  GNU LESSER GENERAL PUBLIC LICENSE\n\t\t       Version 2.1, February 1999\n"
AGPL = "                    GNU AFFERO GENERAL PUBLIC LICENSE\n                       Version 3, 19 November 2007\n"
UNLICENSE = "This is free and unencumbered software released into the public domain.\n\nAnyone is free to copy\n"


@pytest.mark.parametrize("text, spdx", [
    (MIT, "MIT"), (APACHE, "Apache-2.0"), (BSD, "BSD-2-Clause"), (BSD3, "BSD-3-Clause"),
    (BSD + "3. All advertising materials mentioning features or use of this software\n", "BSD-4-Clause"),
    (ISC, "ISC"), (ZERO_BSD, "0BSD"), (MPL, "MPL-2.0"), (UNLICENSE, "Unlicense"), (GPL3, "GPL-3.0"), (GPL2, "GPL-2.0"),
    (LGPL3, "LGPL-3.0"), (LGPL21, "LGPL-2.1"), (AGPL, "AGPL-3.0"),
    (APACHE + "\n-----\nThird-party code under the MIT licence:\n\n" + MIT, "Apache-2.0"),   # the licence it opens with
    ("/*\n * Licensed under the Apache License, Version 2.0 (the \"License\");\n */\n", "Apache-2.0"),
    ("# Permission is hereby granted, free of charge,\n# to any person obtaining a copy\n", "MIT"),   # commented, rewrapped
    ("All rights reserved. Ask before use.\n", None),
])
def test_licence_from_text(text, spdx):
    assert licence_from_text(text) == spdx


def test_licence_of_several_files():
    joined = join_licence_files([("COPYING", "Ask the author.\n"), ("LICENSE-APACHE", APACHE), ("LICENSE-MIT", MIT)])
    assert licence_from_licence_files(joined) == "file:COPYING AND Apache-2.0 AND MIT"
    assert licence_from_licence_files(join_licence_files([("LICENSE", MIT), ("LICENSE.md", MIT)])) == "MIT"


def test_pack_carries_licence_in_pin_order(tmp_path):
    for module, version in [("example.com/zeta", "v1.0.0"), ("example.com/Alpha", "v0.1.0")]:
        d = tmp_path / "go" / module_folder(module, version)
        d.mkdir(parents=True)
        (d / "LICENSE").write_text("==> LICENSE <==\n" + MIT)
        (d / "a.go").write_text("package a\n")
    (tmp_path / "kept.txt").write_text("go/example.com+!alpha@v0.1.0/a.go\ngo/example.com+zeta@v1.0.0/a.go\n")
    (tmp_path / "pins.txt").write_text("example.com/zeta==v1.0.0\nexample.com/Alpha==v0.1.0\n")
    parts = pack(PackConfig(root=str(tmp_path / "go"), kept=str(tmp_path / "kept.txt"), out=str(tmp_path / "parts"),
                            order=str(tmp_path / "pins.txt"), xz="xz -0"))
    assert [p["first"] for p in parts] == ["example.com+zeta@v1.0.0"] and os.path.basename(parts[0]["part"]) == "go-01.tar.xz"
    with tarfile.open(parts[0]["part"]) as t:
        assert sorted(t.getnames()) == ["go/example.com+!alpha@v0.1.0/LICENSE", "go/example.com+!alpha@v0.1.0/a.go",
                                        "go/example.com+zeta@v1.0.0/LICENSE", "go/example.com+zeta@v1.0.0/a.go"]


def test_pipeline_corpus_stage_unpacks_go_parts(tmp_path):
    module = tmp_path / "src" / "go" / "example.com+a@v1.0.0"
    module.mkdir(parents=True)
    (module / "a.go").write_text("package a\n")
    subprocess.run(["tar", "cJf", str(tmp_path / "go-01.tar.xz"), "-C", str(tmp_path / "src"), "go"], check=True)
    run, args = run_corpus_stage(tmp_path, GO_PARTS=str(tmp_path / "go-*.tar.xz"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "go: 1 parts, 1 packages" in run.stdout
    assert f"--src=go:{tmp_path / 'work' / 'go'}" in args
    assert (tmp_path / "work" / "go" / "example.com+a@v1.0.0" / "a.go").exists()
    run, args = run_corpus_stage(tmp_path)   # GO_PARTS=none
    assert run.returncode == 0 and not [a for a in args if a.startswith("--src=go:")]

import io
import json
import os
import subprocess
import tarfile

from diffuse.licences import licence_from_metadata, withholds_use
from diffuse import pypi_corpus
from diffuse.pypi_corpus import (ALGO_MATCH, BENCH_PACKAGE, EXER_MATCH, EXER_PREFER, DenseConfig, FetchConfig, PackConfig, SelectConfig,
                                 canonical, dense, extract, fetch_one, pack, select)


def test_select_excludes_image_and_benchmarks(tmp_path):
    tsv = tmp_path / "pypi.tsv"
    tsv.write_text("name\tversion\tmonth\trank_among_15000_most_downloaded\tsummary\n"
                   "requests\t2.0\t2026-01\t3\t\nnumpy\t2.0\t2026-01\t1\t\nhuman-eval\t1.0\t2026-01\t2\t\n"
                   "Some_Pkg\t0.1\t2026-01\t4\t\nnover\t\t\t5\t\nunranked\t1.0\t2026-01\t\t\ndatasets\t3.0\t\t6\t\n")
    excl = tmp_path / "image.txt"
    excl.write_text("# image\nnumpy\n")
    out = tmp_path / "c.txt"
    r = select(SelectConfig(tsv=str(tsv), exclude=str(excl), top=10, out=str(out)))
    assert out.read_text().split() == ["requests==2.0", "some-pkg==0.1"]
    assert r["dropped"] == {"excluded": 1, "benchmark": 2, "no_version": 1}
    assert BENCH_PACKAGE.search(canonical("lm_eval")) and not BENCH_PACKAGE.search("django-appconf")
    # collections of evaluations (inspect-evals carries HumanEval, MBPP, APPS and DS-1000)
    assert BENCH_PACKAGE.search(canonical("inspect_evals")) and BENCH_PACKAGE.search("evals")
    assert not BENCH_PACKAGE.search("medeval") and not BENCH_PACKAGE.search("evalidate")


def test_select_algorithmic_vocabulary(tmp_path):
    # every matching row, ranked or not: preferred vocabulary first, then download rank, then the latest;
    # pinned names (name==version lines), benchmark names and benchmark/eval summaries never
    tsv = tmp_path / "pypi.tsv"
    tsv.write_text("name\tversion\tmonth\trank_among_15000_most_downloaded\tsummary\n"
                   "genetic-opt\t1.0\t2026-05\t\tA genetic algorithm optimizer\n"
                   "pydsa\t0.2\t2019-01\t\tData structures and algorithms in Python\n"
                   "kata_solutions\t1.1\t2024-03\t\tMy katas\n"
                   "popular-algo\t3.0\t2025-01\t900\tFast sorting\n"
                   "old-algo\t0.1\t2016-01\t\tAn algorithm\n"
                   "mbpp-solver\t1.0\t2025-01\t\tAlgorithms for MBPP\n"
                   "leetcode-sols\t1.0\t2025-01\t\tAlgorithms\n"
                   "algo-bench\t1.0\t2025-01\t\tBenchmark of sorting algorithms\n"
                   "code-grader\t1.0\t2025-01\t\tEvaluation harness for programming exercises\n"
                   "pinned-algo\t1.0\t2025-01\t\tgraph algorithms\n"
                   "mldsa\t1.0\t2025-01\t\tML-DSA signatures\n"
                   "cf-tool\t1.0\t2025-01\t\tData structures for Codeforces contests\n"
                   "judge-kit\t1.0\t2025-01\t\tAlgorithms for an online judge\n"
                   "requests\t2.0\t2026-01\t3\tHTTP for humans\n")
    pins = tmp_path / "packages.txt"
    pins.write_text("pinned_algo==0.9\n")
    out = tmp_path / "c.txt"
    image = tmp_path / "image.txt"
    image.write_text("requests\n")
    r = select(SelectConfig(tsv=str(tsv), exclude=f"{image},{pins}", top=10, out=str(out), vocabulary="algorithmic"))
    assert out.read_text().split() == ["kata-solutions==1.1", "pydsa==0.2", "popular-algo==3.0", "genetic-opt==1.0",
                                       "old-algo==0.1"]
    assert r["dropped"] == {"excluded": 1, "benchmark": 3, "no_version": 0, "contest": 3}
    assert (r["matched"], r["preferred"]) == (12, 2)
    assert not ALGO_MATCH.search("ML-DSA-65 signatures") and ALGO_MATCH.search("dsa practice")


def test_select_exercise_vocabulary(tmp_path):
    # beginner/exercise words first (by rank, then the latest), broad words after; a library field or a
    # service in the text (EXER_AVOID) never matches; benchmark and contest text, pinned names never
    tsv = tmp_path / "pypi.tsv"
    tsv.write_text("name\tversion\tmonth\trank_among_15000_most_downloaded\tsummary\n"
                   "geo-shapes\t1.0\t2026-05\t\tPlane geometry for triangles and circles\n"
                   "my-calc\t0.2\t2019-01\t\tA simple calculator package for beginners\n"
                   "prime-tools\t1.1\t2024-03\t\tPrime numbers and Fibonacci\n"
                   "popular-strings\t3.0\t2025-01\t900\tString manipulation helpers\n"
                   "old-calc\t0.1\t2016-01\t\tA calculator\n"
                   "tax-calc\t1.0\t2025-01\t\tA UK tax calculator\n"
                   "matrix-gpu\t1.0\t2025-01\t\tMatrix operations in PyTorch\n"
                   "aws-utils\t1.0\t2025-01\t\tUtility functions for AWS\n"
                   "humaneval-practice\t1.0\t2025-01\t\tPractice problems\n"
                   "homework-eval\t1.0\t2025-01\t\tEvaluation of homework\n"
                   "cf-beginner\t1.0\t2025-01\t\tBeginner solutions for Codeforces\n"
                   "pinned-calc\t1.0\t2025-01\t\tbasic math functions\n"
                   "requests\t2.0\t2026-01\t3\tHTTP for humans\n")
    pins = tmp_path / "algorithmic-packages.txt"
    pins.write_text("pinned_calc==0.9\n")
    out = tmp_path / "c.txt"
    r = select(SelectConfig(tsv=str(tsv), exclude=str(pins), top=10, out=str(out), vocabulary="exercise"))
    assert out.read_text().split() == ["popular-strings==3.0", "prime-tools==1.1", "my-calc==0.2", "geo-shapes==1.0",
                                       "old-calc==0.1"]
    assert r["dropped"] == {"excluded": 1, "benchmark": 2, "no_version": 0, "contest": 1}
    assert (r["matched"], r["preferred"]) == (9, 3)
    assert EXER_MATCH.search("my first python package") and EXER_PREFER.search("My first python package")
    assert EXER_MATCH.search("palindrome checker") and not EXER_MATCH.search("machine learning course for students")
    assert EXER_MATCH.search("homework 3") and not EXER_PREFER.search("A calculator")
    assert not EXER_MATCH.search("requests HTTP for humans")


def test_select_unranked_since_is_a_stable_shuffle(tmp_path):
    # every unranked row of the month or later with a summary, in shuffle_key order whatever the TSV's
    # row order; ranked rows, older months, empty summaries, benchmark/contest text, benchmark names,
    # pinned names and rows without a version never
    header = "name\tversion\tmonth\trank_among_15000_most_downloaded\tsummary\n"
    rows = ["alpha_tool\t1.0\t2025-03\t\tA tool\n", "Beta.Lib\t0.2\t2026-10\t\tA library\n",
            "gamma\t3.1\t2025-01\t\tGamma rays\n", "delta\t0.9\t2025-06\t\tDeltas\n",
            "epsilon\t2.0\t2026-02\t\tSmall numbers\n",
            "ranked\t1.0\t2026-01\t14999\tA popular one\n", "old-one\t1.0\t2024-12\t\tOld\n",
            "quiet\t1.0\t2026-01\t\t \n", "nomonth\t1.0\t\t\tNo month\n",
            "bench-kit\t1.0\t2026-01\t\tRun the MBPP problems\n", "my_evals\t1.0\t2026-01\t\tThings\n",
            "cf-helper\t1.0\t2026-01\t\tTemplates for Codeforces\n", "pinned-pkg\t1.0\t2026-01\t\tPinned\n",
            "noversion\t\t2026-01\t\tNo version\n"]
    pins = tmp_path / "packages.txt"
    pins.write_text("Pinned_Pkg==0.5\n")
    outs = []
    for i, order in enumerate((rows, rows[::-1])):
        tsv = tmp_path / f"pypi{i}.tsv"
        tsv.write_text(header + "".join(order))
        out = tmp_path / f"c{i}.txt"
        r = select(SelectConfig(tsv=str(tsv), exclude=str(pins), top=10, out=str(out), unranked_since="2025-01"))
        outs.append(out.read_text().split())
        assert r == {"candidates": 5, "matched": 10,
                     "dropped": {"excluded": 1, "benchmark": 2, "no_version": 1, "contest": 1}}
    kept = {"alpha-tool": "1.0", "beta-lib": "0.2", "gamma": "3.1", "delta": "0.9", "epsilon": "2.0"}
    shuffled = sorted(kept, key=pypi_corpus.shuffle_key)
    assert outs[0] == outs[1] == [f"{n}=={kept[n]}" for n in shuffled]
    assert shuffled != sorted(kept) and pypi_corpus.shuffle_key("Beta.Lib") == pypi_corpus.shuffle_key("beta-lib")
    select(SelectConfig(tsv=str(tmp_path / "pypi0.tsv"), exclude=str(pins), top=2, out=str(tmp_path / "c.txt"),
                        unranked_since="2025-01"))
    assert (tmp_path / "c.txt").read_text().split() == outs[0][:2]


def sdist(path, files):
    with tarfile.open(path, "w:gz") as t:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


def test_extract_keeps_sources_and_licence(tmp_path):
    arc = tmp_path / "pkg-1.0.tar.gz"
    sdist(arc, {"pkg-1.0/PKG-INFO": b"Metadata-Version: 2.4\nName: pkg\nLicense-Expression: MIT\n\nReadme\n",
                "pkg-1.0/pkg/__init__.py": b"x = 1\n", "pkg-1.0/README.rst": b"Docs\n",
                "pkg-1.0/pkg/lib.so": b"\x7fELF", "pkg-1.0/../evil.py": b"x = 2\n",
                "pkg-1.0/big.py": b"#" * 300000})
    files, nbytes, meta = extract(str(arc), arc.name, str(tmp_path / "out"), 256 * 1024)
    assert (files, nbytes) == (2, 11)
    assert sorted(os.listdir(tmp_path / "out")) == ["PKG-INFO", "README.rst", "pkg"]
    assert licence_from_metadata(meta) == "MIT"
    assert licence_from_metadata("License: UNKNOWN\nClassifier: License :: OSI Approved :: BSD License\n") == "BSD License"


def test_a_licence_title_naming_no_open_licence_gives_way_to_a_proprietary_classifier():
    eula = ("Name: seeq-spy\nLicense: Seeq Python Library - License File\n        Its End User License Agreement\n"
            "        \n        continues after a line of spaces\nClassifier: License :: Other/Proprietary License\n\nReadme\n")
    assert licence_from_metadata(eula) == "Other/Proprietary License"
    # an open licence named beside a stray proprietary classifier stays (siwe, fedora-messaging)
    for said in ("MIT OR Apache-2.0", "GPLv2+", "BSD 3-Clause License", "Apache 2.0"):
        assert licence_from_metadata(f"License: {said}\nClassifier: License :: Other/Proprietary License\n") == said
    # a licence that already withholds keeps its own name; no proprietary classifier, the title stands
    assert licence_from_metadata("License: SAP DEVELOPER LICENSE AGREEMENT\n"
                                 "Classifier: License :: Other/Proprietary License\n") == "SAP DEVELOPER LICENSE AGREEMENT"
    assert licence_from_metadata("License: Free to use\nClassifier: License :: OSI Approved :: MIT License\n") == "Free to use"
    # the header ends at an empty line: a classifier in the description below is not the package's
    assert licence_from_metadata("License: UNKNOWN\n\nClassifier: License :: Other/Proprietary License\n") is None


def test_a_licence_field_whose_own_text_withholds_use_is_withheld():
    hud = ('License: **Hud Technology Inc ("Hud") IDE/SDK License**\n        \n'
           "        ANY AND ALL USE OF HUD'S PROPRIETARY SOLUTIONS ... IS SUBJECT TO: (I) FULL REGISTRATION\n"
           "Classifier: Programming Language :: Python :: 3\n\nProprietary words below the header do not count\n")
    assert withholds_use(licence_from_metadata(hud))
    assert licence_from_metadata(hud).startswith('**Hud Technology Inc ("Hud") IDE/SDK License**')
    # a text naming an open licence stays open whatever it says of proprietary programs (the GPL's)
    gpl = ("License: Copyright (C) 2020 Someone\n        GNU GENERAL PUBLIC LICENSE Version 3\n"
           "        ... into proprietary programs ...\n")
    assert licence_from_metadata(gpl) == "Copyright (C) 2020 Someone"
    # a permissive text that mentions a license agreement stays (crystal-toolkit's Berkeley Lab BSD variant)
    lbnl = ("License: Crystal Toolkit Copyright (c) 2018, The Regents\n        Redistribution and use in source and"
            " binary forms ... without imposing a separate written license agreement for such Enhancements\n")
    assert not withholds_use(licence_from_metadata(lbnl))
    # nor does a proprietary word in another field
    assert licence_from_metadata("License: Acme Licence\nSummary: beats proprietary tools\n") == "Acme Licence"


class _Link:
    def __init__(self, filename):
        self.filename, self.url, self.hash_name, self.hash = filename, f"https://files/{filename}", None, None


class _Response:
    def __init__(self, data):
        self.data, self.headers = data, {"content-length": str(len(data))}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def raise_for_status(self):
        pass

    def iter_content(self, size):
        yield self.data


class _Index:
    """The package index as fetch_one uses it: one sdist link per package, served from memory."""

    def __init__(self, archives):
        self.archives = archives
        self.session = self

    def links(self, name, version):
        return [_Link(f"{name}-{version}.tar.gz")], []

    def get(self, url, stream, timeout):
        return _Response(self.archives[url.rsplit("/", 1)[1]])


def test_a_package_without_a_kept_source_file_is_reported_not_pinned(tmp_path):
    # patch==1.16 (fourth extension) was logged ok with 0 files and pinned, with no folder to pack
    archives = {}
    for name, files in {"stub-1.0": {"stub-1.0/PKG-INFO": b"Name: stub\nLicense: MIT\n\n", "stub-1.0/lib.so": b"\x7fELF"},
                        "pkg-1.0": {"pkg-1.0/PKG-INFO": b"Name: pkg\nLicense: MIT\n\n", "pkg-1.0/pkg.py": b"x = 1\n"}}.items():
        sdist(tmp_path / f"{name}.tar.gz", files)
        archives[f"{name}.tar.gz"] = (tmp_path / f"{name}.tar.gz").read_bytes()
    cfg = FetchConfig(dest=str(tmp_path / "dest"))
    os.makedirs(tmp_path / "dest" / "pypi")
    index = _Index(archives)
    assert fetch_one(index, "stub==1.0", cfg)["status"] == "no source file kept"
    assert not (tmp_path / "dest" / "pypi" / "stub-1.0").exists()
    rec = fetch_one(index, "pkg==1.0", cfg)
    assert (rec["status"], rec["files"], rec["licence"]) == ("ok", 1, "MIT")
    assert sorted(os.listdir(tmp_path / "dest" / "pypi" / "pkg-1.0")) == ["PKG-INFO", "pkg.py"]


def test_pack_parts_whole_packages(tmp_path):
    root = tmp_path / "pypi"
    kept = []
    for p in range(4):
        d = root / f"p{p}-1.0"
        d.mkdir(parents=True)
        (d / "PKG-INFO").write_text("License: MIT\n")
        (d / "m.py").write_bytes(os.urandom(40000).hex().encode())   # incompressible-ish: 80 KB a package
        kept.append(f"pypi/p{p}-1.0/m.py")
    (tmp_path / "kept.txt").write_text("\n".join(kept) + "\n")
    out = tmp_path / "parts"
    parts = pack(PackConfig(root=str(root), kept=str(tmp_path / "kept.txt"), out=str(out), part_mib=0, xz="xz -0"))
    assert len(parts) == 4 and all(p["packages"] == 1 for p in parts)   # a part holds at least one package
    names = subprocess.run(["tar", "tJf", str(out / "pypi-02.tar.xz")], capture_output=True, text=True).stdout.split()
    assert sorted(names) == ["pypi/p1-1.0/PKG-INFO", "pypi/p1-1.0/m.py"]


def test_pack_leaves_out_packages_whose_licence_withholds_the_use(tmp_path, capsys):
    root = tmp_path / "pypi"
    licences = {"open-1.0": "License: MIT", "closed-1.0": "License: Proprietary",
                "dual-1.0": "License-Expression: MIT OR LicenseRef-Proprietary", "bare-1.0": None}
    for p, header in licences.items():
        (root / p).mkdir(parents=True)
        if header:
            (root / p / "PKG-INFO").write_text(f"Name: {p}\n{header}\n\n")
        (root / p / "m.py").write_text("x = 1\n")
    (tmp_path / "kept.txt").write_text("".join(f"pypi/{p}/m.py\n" for p in licences))
    out = tmp_path / "parts"
    parts = pack(PackConfig(root=str(root), kept=str(tmp_path / "kept.txt"), out=str(out), xz="xz -0"))
    with tarfile.open(parts[0]["part"]) as t:
        packed = {name.split("/")[1] for name in t.getnames()}
    assert packed == {"open-1.0", "dual-1.0", "bare-1.0"}   # an open alternative or no record: kept
    assert parts[0]["packages"] == 3
    assert json.loads(capsys.readouterr().out.splitlines()[0]) == {"licence_withheld": ["closed-1.0"]}


def test_pack_plans_the_part_after_a_lone_package_with_the_ratio_before_it(tmp_path, monkeypatch):
    # a part of one big generated package compresses far better than source (msgraph-beta-sdk: 32x);
    # planning the next part with its ratio packed that part twice (seventh extension)
    root = tmp_path / "pypi"
    names = [f"a{k:02d}-1.0" for k in range(30)] + ["b-gen-1.0"] + [f"b{k:02d}-1.0" for k in range(30)]   # in this order
    kept = []
    for name in names:
        (root / name).mkdir(parents=True)
        data = bytes(8 << 20) if name == "b-gen-1.0" else os.urandom(40000).hex().encode()   # 8 MiB of zeros; 80 KB of hex
        (root / name / "m.py").write_bytes(data)
        kept.append(f"pypi/{name}/m.py")
    (tmp_path / "kept.txt").write_text("\n".join(kept) + "\n")
    tarred = []
    real = pypi_corpus._tar_xz
    monkeypatch.setattr(pypi_corpus, "_tar_xz", lambda cfg, pkgs, path: tarred.append(path) or real(cfg, pkgs, path))
    parts = pack(PackConfig(root=str(root), kept=str(tmp_path / "kept.txt"), out=str(tmp_path / "parts"), part_mib=1,
                            ratio=1.7, xz="xz -0"))
    assert [p["packages"] for p in parts if p["first"] == "b-gen-1.0"] == [1]
    assert len(tarred) == len(parts)   # every part packed once
    assert sum(p["packages"] for p in parts) == len(names)


def test_pack_takes_kept_paths_whole(tmp_path):
    # '#' in a file name is no comment: cut there, '.../e/.#lock.py' became '.../e/.' and tar packed the
    # whole folder again; 'x[# y].py' became a missing file
    d = tmp_path / "pypi" / "p-1.0" / "e"
    d.mkdir(parents=True)
    names = [".#lock.py", "a.py", "x[# y].py"]
    for n in names:
        (d / n).write_text("x = 1\n")
    (tmp_path / "kept.txt").write_text("".join(f"pypi/p-1.0/e/{n}\n" for n in names))
    out = tmp_path / "parts"
    parts = pack(PackConfig(root=str(tmp_path / "pypi"), kept=str(tmp_path / "kept.txt"), out=str(out), xz="xz -0"))
    assert len(parts) == 1 and parts[0]["files"] == 3
    with tarfile.open(out / "pypi-01.tar.xz") as t:
        assert sorted(t.getnames()) == sorted(f"pypi/p-1.0/e/{n}" for n in names)


def test_pack_splits_a_package_too_big_for_one_part(tmp_path):
    d = tmp_path / "pypi" / "big-1.0"
    d.mkdir(parents=True)
    (d / "PKG-INFO").write_text("License: MIT\n")
    kept = []
    for k in range(3):
        (d / f"m{k}.py").write_bytes(os.urandom(40000).hex().encode())
        kept.append(f"pypi/big-1.0/m{k}.py")
    (tmp_path / "kept.txt").write_text("\n".join(kept) + "\n")
    out = tmp_path / "parts"
    parts = pack(PackConfig(root=str(tmp_path / "pypi"), kept=str(tmp_path / "kept.txt"), out=str(out), part_mib=0,
                            xz="xz -0"))
    members = []
    for p in parts:
        with tarfile.open(p["part"]) as t:
            members.append(sorted(t.getnames()))
    assert members == [["pypi/big-1.0/m0.py"], ["pypi/big-1.0/m1.py"], ["pypi/big-1.0/PKG-INFO", "pypi/big-1.0/m2.py"]]
    assert [os.path.basename(p["part"]) for p in parts] == ["pypi-01.tar.xz", "pypi-02.tar.xz", "pypi-03.tar.xz"]


COMPUTE = ("def primes(n):\n    out = []\n    for k in range(2, n):\n        if all(k % d for d in range(2, k)):\n"
           "            out.append(k)\n    return out\n")


def packed_tree(tmp_path, prefix, files):
    """`files` (kept-list path -> text) written under tmp_path/pypi, and the kept list naming them."""
    for k, text in files.items():
        path = tmp_path / "pypi" / k[len(prefix) + 1:]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "kept.txt").write_text("".join(k + "\n" for k in files))


def test_dense_keeps_computation_and_measures(tmp_path):
    compute = COMPUTE
    wiring = "import os\nimport sys\nfrom a import b\nfrom c import d\nX = b(d)\nY = os.path\n\n\nclass C(b):\n    pass\n"
    packed_tree(tmp_path, "algo", {"algo/p-1.0/p/num.py": compute, "algo/p-1.0/p/wire.py": wiring, "algo/p-1.0/README.md": compute,
                                   "algo/q-2.0/env/Lib/site-packages/pip/x.py": compute, "algo/q-2.0/big.py": compute * 20})
    out = tmp_path / "dense.txt"
    r = dense(DenseConfig(root=str(tmp_path / "pypi"), kept=str(tmp_path / "kept.txt"), prefix="algo", out=str(out),
                          min_density=0.5, max_bytes=1000, workers=1))
    assert out.read_text().split() == ["algo/p-1.0/p/num.py"]   # not the wiring, the vendored pip, the long file
    assert (r["python_files"], r["vendored_env_files"], r["kept_files"], r["packages"]) == (3, 1, 1, 1)
    assert r["bins_files_bytes"]["0"][0] == 1 and sum(f for f, _ in r["bins_files_bytes"].values()) == 3


def test_dense_leaves_out_packages_over_max_package_bytes(tmp_path):
    compute = COMPUTE
    packed_tree(tmp_path, "exer", {"exer/small-1.0/s.py": compute, "exer/lib-2.0/a.py": compute, "exer/lib-2.0/b.py": compute,
                                   "exer/lib-2.0/env/site-packages/pip/x.py": compute * 5})
    out = tmp_path / "dense.txt"
    r = dense(DenseConfig(root=str(tmp_path / "pypi"), kept=str(tmp_path / "kept.txt"), prefix="exer", out=str(out),
                          min_density=0.4, max_package_bytes=len(compute) * 2 - 1, workers=1))
    assert out.read_text().split() == ["exer/small-1.0/s.py"]   # lib's two files are over, its vendored pip not counted
    assert (r["kept_files"], r["packages"], r["packages_over_max"]) == (1, 1, 1)
    r = dense(DenseConfig(root=str(tmp_path / "pypi"), kept=str(tmp_path / "kept.txt"), prefix="exer", out=str(out),
                          min_density=0.4, max_package_bytes=len(compute) * 2, workers=1))
    assert (r["kept_files"], r["packages_over_max"]) == (3, 0)

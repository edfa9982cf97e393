import hashlib
import json
import os
import subprocess
import tarfile

import pytest

from diffuse.corpus import CorpusConfig, find_licences, reject_reason
from diffuse.licences import licence_from_pom, maven_licence, xml_root
from diffuse.maven_corpus import (Artifact, FetchConfig, PackConfig, SelectConfig, dependencies, fetch, folder_of,
                                  pack, releases_newest_first, select)
from helpers import http_stub as stub, run_corpus_stage, zip_of

NS = 'xmlns="http://maven.apache.org/POM/4.0.0"'


def metadata(*versions, release=""):
    listed = "".join(f"<version>{v}</version>" for v in versions)
    return (f"<metadata><versioning><release>{release}</release><versions>{listed}</versions>"
            "</versioning></metadata>").encode()


def pom(coordinate, deps=(), licences=(), parent=None, extra=""):
    """A POM in Maven's namespace: deps are dicts of dependency fields, licences (name, url) pairs."""
    group, artifact, version = coordinate.split(":")
    parts = [f"<project {NS}><modelVersion>4.0.0</modelVersion>"]
    if parent:
        g, a, v = parent.split(":")
        parts.append(f"<parent><groupId>{g}</groupId><artifactId>{a}</artifactId><version>{v}</version></parent>")
    parts.append(f"<groupId>{group}</groupId><artifactId>{artifact}</artifactId><version>{version}</version>")
    if licences:
        parts.append("<licenses>" + "".join(f"<license><name>{n}</name><url>{u}</url></license>" for n, u in licences)
                     + "</licenses>")
    parts.append("<dependencies>" + "".join("<dependency>" + "".join(f"<{k}>{v}</{k}>" for k, v in d.items())
                                            + "</dependency>" for d in deps) + "</dependencies>")
    return ("".join(parts) + extra + "</project>").encode()


def dep(coordinate, **fields):
    group, artifact = coordinate.split(":")
    return {"groupId": group, "artifactId": artifact, "version": "1.0", **fields}


def published(coordinate, pom_body, jar=None, sources_sha1=None):
    """The repository files of one version: its POM, and its sources jar with the jar's .sha1."""
    a = Artifact.parse(coordinate)
    files = {a.url(".pom"): pom_body}
    if jar is not None:
        files[a.url("-sources.jar")] = jar
        files[a.url("-sources.jar.sha1")] = (sources_sha1 or hashlib.sha1(jar).hexdigest() + "  x.jar\n").encode()
    return files


def test_releases_newest_first_skips_pre_releases_snapshots_and_dates():
    newest = lambda *v, release="": releases_newest_first(xml_root(metadata(*v, release=release)))[0]  # noqa: E731
    assert newest("1.0", "1.9.0", "1.10.0", "2.0.0-M1", "2.0.0-SNAPSHOT", "2.0.0-rc1", "2.0.0.Beta1", "2.0.0.CR2",
                  "2.0.0-alpha3", "2.0.0-ea+12", release="2.0.0-M1") == "1.10.0"   # numbers, not text order
    assert newest("4.2.20.Final", "4.2.21.Final", "5.0.0.Alpha2") == "4.2.21.Final"
    assert newest("33.8.0-android", "33.8.0-jre", "33.7.0-jre", release="33.8.0-jre") == "33.8.0-jre"
    assert newest("2.21.0", "2.22.0", "20030203.000550", release="20030203.000550") == "2.22.0"
    assert newest("20250517", "20260814") == "20260814"   # org.json: every version a date
    assert releases_newest_first(xml_root(metadata("1.0-beta", "2.0-SNAPSHOT"))) == []


def test_dependencies_by_scope_optional_and_namespace():
    body = pom("org.x:app:1.0", [dep("org.x:compiled"), dep("org.x:run", scope="runtime"), dep("org.x:t", scope="test"),
                                 dep("org.x:prov", scope="provided"), dep("org.x:sys", scope="system"),
                                 dep("org.x:opt", optional="true"), dep("org.x:bom", type="pom"),
                                 {"groupId": "${project.groupId}", "artifactId": "sibling-${suffix}"},
                                 {"groupId": "${other.group}", "artifactId": "unresolved"},
                                 dep("org.x:evil/../../x")],
               extra="<properties><suffix>core</suffix></properties><dependencyManagement><dependencies>"
                     "<dependency><groupId>org.x</groupId><artifactId>managed</artifactId></dependency>"
                     "</dependencies></dependencyManagement>")
    root = xml_root(body)
    assert dependencies(root) == ["org.x:compiled", "org.x:run", "org.x:opt", "org.x:sibling-core"]
    assert dependencies(root, optional=False) == ["org.x:compiled", "org.x:run", "org.x:sibling-core"]
    assert dependencies(xml_root(body.replace(f" {NS}".encode(), b""))) == dependencies(root)   # old POMs: no namespace


def released(coordinate, deps=(), versions=None, sources=True, extra=""):
    """The repository files select reads for one artifact: metadata, the POM, the sources jar's .sha1."""
    group, artifact, version = coordinate.split(":")
    a = Artifact(group, artifact, version)
    files = {f"{a.base_url()}/maven-metadata.xml": metadata(*(versions or [version])), a.url(".pom"): pom(coordinate, deps, extra=extra)}
    if sources:
        files[a.url("-sources.jar.sha1")] = b"0" * 40
    return files


def test_select_walks_dependencies_breadth_first(tmp_path):
    files = {**released("org.x:app:1.1", [dep("org.x:lib"), dep("org.x:opt", optional="true"), dep("org.x:t", scope="test"),
                                          dep("com.google.apis:google-api-services-drive"), dep("org.x:moved")],
                        versions=["1.0", "1.1", "2.0-M1"]),
             **released("org.x:tool:0.1", [dep("org.x:lib")]),
             **released("org.x:lib:3.0", [dep("org.x:deep")]), **released("org.x:opt:1.0"), **released("org.x:deep:1.0"),
             **released("org.x:t:1.0"), **released("org.x:pre:1.0-beta"), **released("org.x:parent:1", extra="<packaging>pom</packaging>"),
             **released("org.x:moved:1.0", extra="<distributionManagement><relocation><groupId>org.y</groupId></relocation>"
                                                  "</distributionManagement>")}
    # newer: its sources jar missing from the repository (the mirror here lacks some newest ones)
    newer = Artifact("org.x", "newer", "2.0")
    files.update(released("org.x:newer:1.0", versions=["1.0", "2.0"]))
    files[newer.url(".pom")] = pom("org.x:newer:2.0")
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("# seeds\norg.x:app\norg.x:tool\norg.x:pre\norg.x:parent\norg.x:missing\norg.x:human-eval\n"
                     "org.x:newer\nbad/../name:x\n")
    out = tmp_path / "c.txt"
    r = select(SelectConfig(seeds=str(seeds), out=str(out), jobs=2), get=stub(files))
    assert out.read_text().split() == ["org.x:app:1.1", "org.x:tool:0.1", "org.x:newer:1.0", "org.x:lib:3.0",
                                       "org.x:opt:1.0", "org.x:deep:1.0"]
    assert r["levels"] == 3 and {k: v for k, v in r["dropped"].items() if v} == {
        "generated": 1, "benchmark": 1, "bad_name": 1, "not_found": 1, "no_release": 1, "pom_packaging": 1, "relocated": 1}
    select(SelectConfig(seeds=str(seeds), out=str(out), optional=False, max_artifacts=4, tries=1), get=stub(files))
    assert out.read_text().split() == ["org.x:app:1.1", "org.x:tool:0.1", "org.x:lib:3.0", "org.x:deep:1.0"]


JAVA = b"package a;\n\npublic final class A {\n    int f() { return 1; }\n}\n"


def test_fetch_checks_sha1_keeps_java_md_and_records_licence(tmp_path):
    good = zip_of([("a/A.java", JAVA), ("README.md", b"# a\n"), ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
                ("META-INF/NOTES.md", b"notes\n"), ("a/B.kt", b"class B\n"), ("a/data.bin", b"\x00\x01"),
                ("a/Big.java", b"//" * 200000), ("../Evil.java", JAVA), ("a/../../Evil2.java", JAVA),
                ("/abs/Abs.java", JAVA), ("a/Link.java", None)])
    files = {**published("org.x:good:1.0", pom("org.x:good:1.0", parent="org.x:parent:2"), good),
             **published("org.x:parent:2", pom("org.x:parent:2", licences=[("The Apache Software License, Version 2.0",
                                                                            "https://www.apache.org/licenses/LICENSE-2.0.txt")],
                                                 parent="org.x:grand:1")),
             **published("org.x:own:1.0", pom("org.x:own:1.0", licences=[("EPL 2.0", ""), ("LGPL-2.1", "")]),
                         zip_of([("o/O.java", JAVA)])),
             **published("org.x:bad:1.0", pom("org.x:bad:1.0", licences=[("MIT", "")]), zip_of([("b/B.java", JAVA)]),
                         sources_sha1="0" * 40),
             **published("org.x:unsigned:1.0", pom("org.x:unsigned:1.0", licences=[("MIT", "")])),
             **published("org.x:nolicence:1.0", pom("org.x:nolicence:1.0", parent="org.x:gone:1"), zip_of([("n/N.java", JAVA)])),
             **published("org.x:nosources:1.0", pom("org.x:nosources:1.0", licences=[("MIT", "")])),
             **published("org.x:kotlin:1.0", pom("org.x:kotlin:1.0", licences=[("MIT", "")]), zip_of([("k/K.kt", b"class K\n")]))}
    unsigned = Artifact.parse("org.x:unsigned:1.0")
    files[unsigned.url("-sources.jar")] = zip_of([("u/U.java", JAVA)])
    specs = ["org.x:good:1.0", "org.x:own:1.0", "org.x:bad:1.0", "org.x:unsigned:1.0", "org.x:nolicence:1.0",
             "org.x:nosources:1.0", "org.x:kotlin:1.0"]
    (tmp_path / "candidates.txt").write_text("".join(s + "\n" for s in specs))
    dest = tmp_path / "dest"
    cfg = FetchConfig(packages=str(tmp_path / "candidates.txt"), dest=str(dest), jobs=2,
                      pins=str(tmp_path / "packages.txt"), licences=str(tmp_path / "licences.tsv"))
    r = fetch(cfg, get=stub(files))
    assert r == {"ok": 2, "failed": 5, "raw_bytes": len(JAVA) * 3 + len(b"# a\n")}
    log = {json.loads(line)["name"]: json.loads(line) for line in open(dest / "fetched.jsonl")}
    assert log["org.x:bad"]["status"].startswith("checksum mismatch: org.x:bad:1.0: bad-1.0-sources.jar has sha1")
    assert log["org.x:unsigned"]["status"] == ("checksum mismatch: org.x:unsigned:1.0: unsigned-1.0-sources.jar has "
                                               "no .sha1 to check it by")
    assert log["org.x:nolicence"]["status"] == "no licence in the POM or its parents"
    assert log["org.x:nosources"]["status"] == "no sources jar"
    assert log["org.x:kotlin"]["status"] == "no source file kept"
    got = sorted(os.path.relpath(os.path.join(d, f), tmp_path) for d, _, fs in os.walk(tmp_path) for f in fs)
    assert got == ["candidates.txt", "dest/fetched.jsonl", "dest/maven/org.x__good-1.0/README.md",
                   "dest/maven/org.x__good-1.0/a/A.java", "dest/maven/org.x__good-1.0/abs/Abs.java",
                   "dest/maven/org.x__good-1.0/pom.xml", "dest/maven/org.x__own-1.0/o/O.java",
                   "dest/maven/org.x__own-1.0/pom.xml", "licences.tsv", "packages.txt"]
    assert (tmp_path / "packages.txt").read_text() == "org.x:good:1.0\norg.x:own:1.0\n"
    assert (tmp_path / "licences.tsv").read_text().split("\n")[1:3] == [
        f"org.x:good\t1.0\tApache-2.0\torg.x:parent:2\tgood-1.0-sources.jar\t{hashlib.sha1(good).hexdigest()}",
        f"org.x:own\t1.0\tEPL-2.0 OR LGPL-2.1\tpom\town-1.0-sources.jar\t{log['org.x:own']['sha1']}"]
    # the licence travels with the sources: diffuse.corpus reads the written pom.xml
    assert find_licences(str(dest / "maven")) == {"org.x__good-1.0": "Apache-2.0", "org.x__own-1.0": "EPL-2.0 OR LGPL-2.1"}


def test_fetch_checks_sha256_where_published(tmp_path):
    body = zip_of([("a/A.java", JAVA)])
    files = published("org.x:a:1.0", pom("org.x:a:1.0", licences=[("MIT", "")]), body)
    files[Artifact.parse("org.x:a:1.0").url("-sources.jar.sha256")] = b"f" * 64
    (tmp_path / "c.txt").write_text("org.x:a:1.0\n")
    fetch(FetchConfig(packages=str(tmp_path / "c.txt"), dest=str(tmp_path / "d")), get=stub(files))
    status = json.loads((tmp_path / "d" / "fetched.jsonl").read_text())["status"]
    assert status == f"checksum mismatch: org.x:a:1.0: a-1.0-sources.jar does not match its .sha256 ({'f' * 64})"


def test_maven_licence_names():
    assert maven_licence("The Apache Software License, Version 2.0", "") == "Apache-2.0"
    assert maven_licence("", "https://www.apache.org/licenses/LICENSE-2.0.txt") == "Apache-2.0"
    assert maven_licence("Eclipse Public License v2.0", "") == "EPL-2.0"
    assert maven_licence("GNU Lesser General Public License", "http://www.gnu.org/licenses/old-licenses/lgpl-2.1.html") == "LGPL-2.1"
    assert maven_licence("GPL2 w/ CPE", "") == "GPL-2.0-with-classpath-exception"
    assert maven_licence("GNU General Public License, version 2", "") == "GPL-2.0"
    assert maven_licence("New BSD License", "") == "BSD-3-Clause"
    # ambiguous or unknown: as given
    assert maven_licence("CDDL + GPLv2 with classpath exception", "") == "CDDL + GPLv2 with classpath exception"
    assert maven_licence("Bouncy Castle  Licence", "https://www.bouncycastle.org/licence.html") == "Bouncy Castle Licence"
    assert maven_licence("BSD", "") == "BSD"
    assert licence_from_pom(pom("a:b:1", licences=[("MIT", ""), ("Apache 2", "")])) == "MIT OR Apache-2.0"
    assert licence_from_pom(pom("a:b:1")) is None and licence_from_pom("<project") is None


LICENCE_HEADER = "/*\n" + " * Licensed under the Apache License, Version 2.0 (the \"License\").\n" * 30 + " */\n"
IMPORTS = "package a;\n\n" + "".join(f"import a.b.C{i};\n" for i in range(30))


@pytest.mark.parametrize("text, reason", [
    (LICENCE_HEADER + IMPORTS + '@Generated("dagger.internal.codegen.ComponentProcessor")\npublic final class A {}\n',
     "generated"),
    (LICENCE_HEADER + IMPORTS + '@javax.annotation.Generated(value = "by gRPC proto compiler")\npublic final class G {}\n',
     "generated"),
    (LICENCE_HEADER + IMPORTS + "@io.grpc.stub.annotations.GrpcGenerated\npublic final class HealthGrpc {}\n", "generated"),
    ("// Generated by the protocol buffer compiler.  DO NOT EDIT!\n// source: a.proto\n\npackage a;\n" + IMPORTS,
     "generated"),
    ("// Generated from Java8Parser.g4 by ANTLR 4.13.1\npackage a;\n" + IMPORTS, "generated"),
    ("/* Generated By:JavaCC: Do not edit this line. Parser.java */\npackage a;\n" + IMPORTS, "generated"),
    # hand-written: a JPA entity, and a mention of @Generated inside a Javadoc
    (IMPORTS + "@Entity\npublic class User {\n    @Id\n    @GeneratedValue\n    private long id;\n}\n", None),
    (LICENCE_HEADER + IMPORTS + "/**\n * Skips types marked {@code @Generated}.\n */\npublic class Filter {}\n", None),
])
def test_generated_java_files(tmp_path, text, reason):
    path = tmp_path / "A.java"
    path.write_text(text)
    assert reject_reason(str(path), "a/A.java", text.encode(), CorpusConfig()) == reason


def test_pack_names_artifact_folders_and_carries_pom(tmp_path):
    root = tmp_path / "maven"
    for spec in ("org.x:b:1.0", "org.x:a:2.0"):
        d = root / folder_of(spec) / "a"
        d.mkdir(parents=True)
        (d / "A.java").write_bytes(JAVA)
        (d.parent / "pom.xml").write_bytes(pom(spec, licences=[("MIT", "")]))
    (tmp_path / "kept.txt").write_text("maven/org.x__a-2.0/a/A.java\nmaven/org.x__b-1.0/a/A.java\n")
    (tmp_path / "packages.txt").write_text("org.x:b:1.0\norg.x:a:2.0\n")
    parts = pack(PackConfig(root=str(root), kept=str(tmp_path / "kept.txt"), out=str(tmp_path / "parts"),
                            order=str(tmp_path / "packages.txt"), xz="xz -0"))
    assert os.path.basename(parts[0]["part"]) == "maven-01.tar.xz"
    assert (parts[0]["first"], parts[0]["last"]) == ("org.x__b-1.0", "org.x__a-2.0")   # packages.txt's order
    with tarfile.open(parts[0]["part"]) as t:
        assert sorted(t.getnames()) == ["maven/org.x__a-2.0/a/A.java", "maven/org.x__a-2.0/pom.xml",
                                        "maven/org.x__b-1.0/a/A.java", "maven/org.x__b-1.0/pom.xml"]


def test_pack_leaves_out_an_artifact_whose_pom_withholds_the_use(tmp_path):
    root = tmp_path / "maven"
    for spec, licence in (("org.x:open:1.0", "Apache-2.0"), ("org.x:closed:1.0", "FSL-1.1-MIT")):
        d = root / folder_of(spec) / "a"
        d.mkdir(parents=True)
        (d / "A.java").write_bytes(JAVA)
        (d.parent / "pom.xml").write_bytes(pom(spec, licences=[(licence, "")]))
    (tmp_path / "kept.txt").write_text("maven/org.x__closed-1.0/a/A.java\nmaven/org.x__open-1.0/a/A.java\n")
    parts = pack(PackConfig(root=str(root), kept=str(tmp_path / "kept.txt"), out=str(tmp_path / "parts"), xz="xz -0"))
    with tarfile.open(parts[0]["part"]) as t:
        assert sorted(t.getnames()) == ["maven/org.x__open-1.0/a/A.java", "maven/org.x__open-1.0/pom.xml"]


def test_pipeline_unpacks_maven_parts(tmp_path):
    src = tmp_path / "src"
    (src / "maven" / "org.x__a-1.0" / "a").mkdir(parents=True)
    (src / "maven" / "org.x__a-1.0" / "a" / "A.java").write_bytes(JAVA)
    subprocess.run(["tar", "-C", str(src), "-cJf", str(tmp_path / "maven-01.tar.xz"), "maven"], check=True)
    run, args = run_corpus_stage(tmp_path, MAVEN_PARTS=str(tmp_path / "maven-*.tar.xz"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "maven: 1 parts, 1 packages" in run.stdout and f"--src=maven:{tmp_path}/work/maven" in args
    assert (tmp_path / "work" / "maven" / "org.x__a-1.0" / "a" / "A.java").read_bytes() == JAVA
    run, args = run_corpus_stage(tmp_path)   # MAVEN_PARTS=none
    assert run.returncode == 0 and not [a for a in args if a.startswith("--src=maven:")]

"""Which licence a package's files say it is under: the readers of each registry's record (Python core
metadata, Cargo.toml, a Maven POM's <licenses>, a Debian package's machine-readable debian/copyright)
and a classifier of licence file texts (a Go module's LICENSE), for diffuse.corpus's licence of every
file and the registry corpora's licences.tsv; and the corpus' licence policy (`withholds_use`)."""
import os
import re
import xml.etree.ElementTree as ET


# a License field naming one of these families says an open licence, even beside a stray
# "Other/Proprietary License" classifier (siwe: "MIT OR Apache-2.0", fedora-messaging: "GPLv2+")
OPEN_LICENCE_NAME = re.compile(
    r"\bmit\b|\bbsd\b|gpl|\bapache\b|\bmpl\b|mozilla|\bisc\b|unlicense|\bcc0\b|public domain|\bpsf\b|"
    r"python software|\bzlib\b|\bepl\b|eclipse|artistic|\bboost\b|wtfpl|cecill|general public licen[cs]e",
    re.IGNORECASE)


def ends_header(line):
    """Whether a line of core metadata ends its header: an empty line. A line of spaces continues a
    field (setuptools indents a multi-line License or Description, blank lines included)."""
    return line.rstrip("\r\n") == ""


def licence_from_metadata(text):
    """A Python package's licence from its core metadata (METADATA, PKG-INFO): License-Expression,
    else a short License field, else the last licence classifier; None without any. A License field
    that names no open licence (a title: "Seeq Python Library – License File", its agreement in the
    lines below) gives way to a proprietary classifier, which then names the licence (a title
    naming an open licence in words of its own, "# CERT UEFI Parser License" over a BSD text, is
    withheld with it: the policy errs on the side of leaving a package out)."""
    lic = cls = proprietary = None
    body, in_licence = [], False
    for line in text.split("\n"):
        if ends_header(line):
            break
        if line.startswith("License-Expression:"):
            return line.split(":", 1)[1].strip()
        if in_licence and line[:1] in (" ", "\t"):
            body.append(line)
            continue
        in_licence = False
        if line.startswith("License:") and lic is None:
            v = line.split(":", 1)[1].strip()
            lic = v if 0 < len(v) < 60 and v.upper() not in ("UNKNOWN", "NONE") else None
            in_licence = True
        if line.startswith("Classifier: License ::"):
            cls = line.rsplit("::", 1)[1].strip()
            proprietary = proprietary or (cls if WITHHOLDING.search(cls) else None)
    if lic and (OPEN_LICENCE_NAME.search(lic) or WITHHOLDING.search(lic)):
        return lic      # the title says which licence it is
    if lic and proprietary:
        return proprietary
    # the field's own text withholds where neither its title nor its text names an open licence (a
    # GPL text mentions "proprietary programs"): "Hud ... IDE/SDK License", then "ANY AND ALL USE
    # OF HUD'S PROPRIETARY SOLUTIONS ..."
    text_of_field = "\n".join(body)
    if not OPEN_LICENCE_NAME.search(text_of_field) and (said := WITHHOLDING_TEXT.search(text_of_field)):
        return f"{lic or 'License field'} (its text: {said.group(0)})"
    return lic or cls


def licence_of_metadata_file(path):
    """licence_from_metadata of the file's header (what precedes its first empty line: ends_header)."""
    header = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if ends_header(line):
                    break
                header.append(line)
    except OSError:
        return None
    return licence_from_metadata("".join(header))


def licence_from_cargo(text):
    """A Cargo.toml's package licence: its `license` (an SPDX expression), else `file:` and its
    `license-file`, else None."""
    import tomllib   # Python 3.11+ (the GPU image has 3.12): imported here, as only a corpus with crates needs it
    try:
        pkg = tomllib.loads(text).get("package", {})
    except tomllib.TOMLDecodeError:
        return None
    lic, lic_file = pkg.get("license"), pkg.get("license-file")
    if isinstance(lic, str) and lic.strip():
        return lic.strip()
    return f"file:{lic_file}" if isinstance(lic_file, str) and lic_file else None


# licence texts recognised by licence_from_text: (SPDX id, a phrase of the licence's own text, in
# normalised_licence form). The GPL family by family and version (-only / -or-later is not told apart).
LICENCE_SIGNATURES = [
    ("Apache-2.0", r"apache license,? (version )?2\.0"),
    ("MPL-2.0", r"mozilla public license,? (version |v )?2\.0"),
    ("AGPL-3.0", r"gnu affero general public license,? version 3"),
    ("LGPL-3.0", r"gnu lesser general public license,? version 3"),
    ("LGPL-2.1", r"gnu lesser general public license,? version 2\.1"),
    ("LGPL-2.0", r"gnu library general public license,? version 2"),
    ("GPL-3.0", r"gnu general public license,? version 3"),
    ("GPL-2.0", r"gnu general public license,? version 2"),
    ("MIT", r"permission is hereby granted, free of charge, to any person obtaining a copy"),
    ("ISC", r"permission to use, copy, modify, and(/or)? distribute this software for any purpose with or without fee"),
    ("BSD", r"redistribution and use in source and binary forms, with or without modification, are permitted"),
    ("Unlicense", r"this is free and unencumbered software released into the public domain"),
    ("CC0-1.0", r"\bcc0 1\.0 universal"),
    ("BSL-1.0", r"boost software license,? version 1\.0"),
    ("Zlib", r"altered source versions must be plainly marked as such"),
    ("EPL-2.0", r"eclipse public license,? v(ersion)? ?2\.0"),
]
_LICENCE_RX = [(spdx, re.compile(rx)) for spdx, rx in LICENCE_SIGNATURES]
LICENCE_FILE_HEADER = re.compile(r"^==> (.+) <==$", re.MULTILINE)   # join_licence_files' separator


def normalised_licence(text):
    """Lower case, every run of characters other than letters, digits and . , / ' as one space: line
    breaks, comment and Markdown marks, dashes and quotes vary between copies of one licence."""
    return re.sub(r"[^a-z0-9.,/']+", " ", text.lower())


def licence_from_text(text):
    """The SPDX id of the licence a licence file's text starts with (the earliest LICENCE_SIGNATURES
    phrase: an Apache-2.0 file may quote the MIT notices of code it bundles, the MPL-2.0 names the
    GPLs), or None when no known licence is found."""
    norm = normalised_licence(text)
    found = [(m.start(), spdx) for spdx, rx in _LICENCE_RX if (m := rx.search(norm))]
    if not found:
        return None
    spdx = min(found)[1]
    if spdx == "BSD":   # the variants by their clauses
        if "all advertising materials mentioning" in norm:
            return "BSD-4-Clause"
        return "BSD-3-Clause" if "neither the name" in norm or "may not be used to endorse" in norm else "BSD-2-Clause"
    if spdx == "ISC" and "copyright notice and this permission notice appear in all copies" not in norm:
        return "0BSD"   # ISC's grant without its notice condition
    return spdx


def join_licence_files(files):
    """Several licence files [(name, text)] as one text, each after a '==> name <==' line."""
    return "".join(f"==> {name} <==\n" + text + ("" if text.endswith("\n") else "\n") for name, text in files)


def licence_from_licence_files(joined):
    """The licence of a join_licence_files text: each file's licence_from_text (file:<its name> when it
    is none known), the distinct ones joined by ' AND ' (each file found applies to some of the code)."""
    parts = LICENCE_FILE_HEADER.split(joined)[1:]   # name, text, name, text, ...
    ids = [licence_from_text(text) or f"file:{name}" for name, text in zip(parts[::2], parts[1::2])]
    return " AND ".join(dict.fromkeys(ids)) or None


def xml_root(data):
    """An XML document's root element, every tag without its namespace (POMs are in Maven's
    namespace, old ones in none): find("licenses/license") reads either."""
    root = ET.fromstring(data)
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = element.tag.rsplit("}", 1)[-1]
    return root


# the licences a POM's <license> names (its name or url, normalised_licence): (SPDX id, what says it).
# '' marks a family named without its version: it maps to nothing, but makes a name naming it and
# another licence ambiguous ('CDDL + GPLv2 with classpath exception'). The GPL-2.0 with OpenJDK's
# Classpath exception (CPE) apart from the GPL-2.0.
_V = r"(?:\bv(?:ersion)? ?|\b)"   # the version's prefix: 'v2.0', 'version 2.0', '2.0' (GPLv2: 'gpl ?v?')
_CDDL = r"(?:common development and distribution license|\bcddl\b)"
MAVEN_LICENCES = [
    ("Apache-2.0", r"\bapache\b.*" + _V + r"2(\.0)?\b|\basl ?2"),
    ("MIT", r"^mit\b|\bmit license|licenses/mit\b"),
    ("BSD-3-Clause", r"\bbsd 3|3 clause bsd|\b(new|revised|modified) bsd|licenses/bsd 3 clause"),
    ("BSD-2-Clause", r"\bbsd 2|2 clause bsd|simplified bsd|licenses/bsd 2 clause"),
    ("EPL-1.0", r"(eclipse public license|\bepl\b).*" + _V + r"1(\.0)?\b|\bepl v10\b"),
    ("EPL-2.0", r"(eclipse public license|\bepl\b).*" + _V + r"2(\.0)?\b"),
    ("LGPL-2.1", r"(lesser|library) general public license.*" + _V + r"2\.1|\blgpl ?v?2\.1"),
    ("LGPL-3.0", r"lesser general public license.*" + _V + r"3|\blgpl ?v?3"),
    ("GPL-2.0-with-classpath-exception", r"^(?=.*(classpath|\bcpe\b)).*(\bgpl ?v?2|general public license.*\b2)"),
    ("GPL-2.0", r"^(?!.*(classpath|\bcpe\b|lesser|library|affero))(.*\bgpl ?v?2\b|.*general public license.*" + _V + r"2\b)"),
    ("GPL-3.0", r"^(?!.*(lesser|library|affero))(.*\bgpl ?v?3\b|.*general public license.*" + _V + r"3\b)"),
    ("AGPL-3.0", r"affero general public license.*" + _V + r"3|\bagpl ?v?3"),
    ("MPL-2.0", r"(mozilla public license|\bmpl\b).*" + _V + r"2(\.0)?\b"),
    ("CDDL-1.0", _CDDL + ".*" + _V + r"1\.0"),
    ("CDDL-1.1", _CDDL + ".*" + _V + r"1\.1"),
    ("", _CDDL + r"(?!.*1\.[01])"),
    ("UPL-1.0", r"universal permissive license"),
    ("CC0-1.0", r"\bcc0\b|publicdomain/zero"),
    ("Unlicense", r"\bunlicense\b"),
    ("BSL-1.0", r"boost software license"),
]
_MAVEN_LICENCE_RX = [(spdx, re.compile(rx)) for spdx, rx in MAVEN_LICENCES]


def maven_licence(name, url):
    """A <license>'s SPDX id when its name matches exactly one MAVEN_LICENCES entry (its url, when the
    name matches none), else its name as given (else its url)."""
    as_given = " ".join((name or url).split()) or None
    for said in (name, url):
        ids = {spdx for spdx, rx in _MAVEN_LICENCE_RX if rx.search(normalised_licence(said))} if said else set()
        if len(ids) == 1 and "" not in ids:
            return ids.pop()
        if ids:   # several licences, or a family without its version
            return as_given
    return as_given


def pom_licence(pom):
    """The licence of a POM (xml_root) by its <licenses>, each maven_licence, several joined by ' OR '
    (the POM reference: "If multiple licenses are listed, it is assumed that the user can select any
    of them"); None without any."""
    ids = [maven_licence((lic.findtext("name") or "").strip(), (lic.findtext("url") or "").strip())
           for lic in pom.findall("licenses/license")]
    return " OR ".join(dict.fromkeys(i for i in ids if i)) or None


def licence_from_pom(text):
    """pom_licence of a POM's text, None when it is not XML."""
    try:
        return pom_licence(xml_root(text))
    except ET.ParseError:
        return None


def deb822_paragraphs(text):
    """The paragraphs of a deb822 text (Debian's control-file syntax: Sources and Release indexes, a
    DEP-5 debian/copyright), each as {field name lower-cased: value}. Fields are case-insensitive;
    a value's continuation lines (indented) follow its first line after a '\\n', a lone ' .' as an
    empty line; '#' comment lines are skipped."""
    paragraphs, fields, name = [], {}, None
    for line in text.splitlines():
        if not line.strip():
            if fields:
                paragraphs.append(fields)
            fields, name = {}, None
        elif line.startswith("#"):
            continue
        elif line[0] in " \t":
            if name is not None:
                fields[name] += "\n" + ("" if line.strip() == "." else line.strip())
        elif ":" in line:
            name, value = line.split(":", 1)
            name = name.strip().lower()
            fields[name] = value.strip()
    if fields:
        paragraphs.append(fields)
    return paragraphs


# the Format: of a machine-readable debian/copyright: the 1.0 specification's URL, or one of the DEP-5
# drafts' (dep.debian.net/deps/dep5, svn.debian.org/.../dep5.mdwn) that older packages still name
DEP5_FORMAT = re.compile(r"copyright-format|\bdep-?5\b", re.IGNORECASE)


def licence_from_dep5(text):
    """The licence of a Debian package by its machine-readable debian/copyright (DEP-5): the short
    name (first line of License:) of the last `Files: *` paragraph (a later paragraph matching a file
    overrides an earlier one), else of the header paragraph's License: (the package as a whole), in
    Debian's own short names (GPL-2+, Expat, BSD-3-clause, ...); None for a copyright file in free
    form, which names no licence a program can read."""
    paragraphs = deb822_paragraphs(text)
    if not paragraphs or not DEP5_FORMAT.search(paragraphs[0].get("format", "")):
        return None
    whole = [p for p in paragraphs[1:] if "*" in p.get("files", "").split()]
    licence = (whole[-1] if whole else paragraphs[0]).get("license", "")
    short = " ".join(licence.split("\n", 1)[0].split())
    return short or None


def licence_from_debian_copyright(text):
    """The licence of the copyright file that diffuse.debian_corpus writes in a package's folder: the
    package's DEP-5 debian/copyright, or its upstream licence files joined (join_licence_files)."""
    return licence_from_dep5(text) or licence_from_licence_files(text)


# licence files at a module's root, as pkg.go.dev finds them: LICENSE, LICENCE.md, COPYING, LICENSE-MIT,
# MIT-LICENSE.txt, UNLICENSE, ... (case-insensitive), never a Go source file (license.go)
LICENCE_NAME = re.compile(r"^((un)?licen[cs]e|copying|mit[-_]licen[cs]e)([-._][\w.-]*)?$(?<!\.go)", re.IGNORECASE)


def licence_of_meta_file(path):
    """The licence a package folder's meta file records, read as its name says it is written: PKG-INFO
    or METADATA (Python), LICENSE (a Go module's licence files, joined), pom.xml, copyright (Debian),
    Cargo.toml; None when it is unreadable, records none or is of another kind (no reader: unknown)."""
    name = os.path.basename(path)
    if name in ("PKG-INFO", "METADATA"):
        return licence_of_metadata_file(path)
    read = {"LICENSE": licence_from_licence_files, "pom.xml": licence_from_pom,
            "copyright": licence_from_debian_copyright, "Cargo.toml": licence_from_cargo}.get(name)
    if read is None:
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return read(f.read())
    except OSError:
        return None


def is_licence_file(parts):
    """Whether a member (its path parts below the package's folder) is a licence file at the package's root."""
    return len(parts) == 1 and LICENCE_NAME.match(parts[0]) is not None


# The corpus' licence policy: a package is trained on unless its licence withholds the use. These
# name licences that grant no use (proprietary, confidential, all rights reserved as a licence id,
# npm's UNLICENSED, "NoLicense", customer and master agreements, a vendor's licence agreement or
# software licence terms, terms of service, a bare "Commercial" with or without a link to terms,
# the Azure ML SDK's licence link) or only a use that training is not (non-commercial, no
# derivatives, internal, evaluation, "free to use but restricted"; source-available licences that
# forbid competing use: BUSL and a bare "BSL", FSL, SSPL, Elastic, Commons Clause). Not "Unlicense"
# (a public-domain grant), BSL-1.0 (Boost), nor the open licences named agreements (Biopython's,
# the PSF's). "All rights reserved" as the whole field is such an id; a bare copyright line
# ("Copyright 2018 Databricks, Inc. All rights reserved.") names no licence: in the pinned lists it
# is the metadata of packages whose licence files grant Apache-2.0 (mlflow) or MIT (mitmproxy,
# pystache), so it counts as unknown.
# What withholds in a licence's own text too (licence_from_metadata reads a License field's indented
# lines with it): narrower than WITHHOLDING, whose "license agreement" a permissive text may say
# (crystal-toolkit's Berkeley Lab BSD variant, "without imposing a separate written license agreement").
WITHHOLDING_TEXT = re.compile(r"proprietar\w*|non[- ]?commercial|nicht\W?kommerziell|source[- ]available|\beula\b|end[- ]user licen[cs]e",
                              re.IGNORECASE)
WITHHOLDING = re.compile(
    WITHHOLDING_TEXT.pattern + r"|confidential|all-rights-reserved|^all rights reserved\.?$|\bunlicensed\b|"
    r"customer agreement|"
    r"\besri-mla\b|(?<![a-z])by[-_]nc(?![a-z])|polyform|private use|internal use|local[- ]use|evaluation only|"
    r"use but restricted|business source|\bBUSL\b|\bBSL[- ]1\.1\b|functional source|\bFSL-\d|"
    r"\benterprise( edition| licen[cs]e)?\s*$|amazon software licen[cs]e|academic software licen[cs]e|"
    r"databricks licen[cs]e|research[- ](only[- ])?licen[cs]e|^private$|reticulum licen[cs]e|"
    r"\bSSPL\b|server side public|commons clause|elastic[- ]licen[cs]e|\belastic-2\.0\b|^commercial( licen[cs]e)?\s*(:|$)|"
    r"\bCC-BY-ND\b|\bBY-ND\b|aka\.ms/azureml-sdk-license|^BSL$|\bno ?licen[cs]e\b|terms[- ]of[- ](service|use)|"
    r"software licen[cs]e terms|utility agreement|(?<!biopython[- ])(?<!psf[- ])licen[cs]e[- ]agreement",
    re.IGNORECASE)


def withholds_use(licence):
    """True when a package's licence (as the readers above give it) names a WITHHOLDING licence in
    every alternative of an SPDX `OR` (a dual licence lets the user pick the open one). An unknown
    licence (None, "unknown", a bare copyright line) does not: the corpus keeps the package and its
    manifest counts the bytes under what was recorded."""
    if not licence:
        return False
    return all(WITHHOLDING.search(alternative.strip(" ()")) for alternative in re.split(r"\s+OR\s+", licence.strip()))

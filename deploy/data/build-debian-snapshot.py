#!/usr/bin/env python3
"""Rebuild data/debian/debian-sections-20.jsonl.gz from this machine's apt lists.

Debian package descriptions labelled by archive Section (bookworm, main).
Joins the binary-amd64 `Packages` list with the `Translation-en` list on
`Description-md5` to get each package's long description.

Prerequisite (once, as root):  apt-get update -o Acquire::Languages=en
Usage:  python3 deploy/data/build-debian-snapshot.py [--lists DIR] [--out FILE]

Python 3 standard library only. apt stores the lists lz4-compressed; they are
read through `/usr/lib/apt/apt-helper cat-file`, which decompresses any format
apt uses. Output is sorted by id and gzipped with mtime=0, so reruns on the
same lists are byte-identical. Texts are not deduplicated here.
"""
import argparse
import collections
import glob
import gzip
import json
import os
import re
import subprocess
import sys

SECTIONS = [
    "net", "science", "admin", "games", "text", "sound", "graphics", "fonts",
    "web", "math", "mail", "editors", "database", "video", "electronics",
    "httpd", "tex", "hamradio", "comm", "vcs",
]
PACKAGES_GLOB = "*_debian_dists_bookworm_main_binary-amd64_Packages*"
TRANSLATION_GLOB = "*_debian_dists_bookworm_main_i18n_Translation-en*"
APT_HELPER = "/usr/lib/apt/apt-helper"


def read_list(path):
    """Return the decompressed text of an apt list file."""
    if path.endswith((".lz4", ".gz", ".xz", ".bz2", ".zst", ".lzma")):
        if not os.path.exists(APT_HELPER):
            sys.exit("error: %s not found; cannot decompress %s" % (APT_HELPER, path))
        data = subprocess.run([APT_HELPER, "cat-file", path], check=True,
                              stdout=subprocess.PIPE).stdout
    else:
        with open(path, "rb") as f:
            data = f.read()
    return data.decode("utf-8")


def stanzas(text):
    """Parse deb822 stanzas. Values of multi-line fields keep their raw
    continuation lines (including the leading space), joined by '\n'."""
    fields = {}
    last = None
    for line in text.split("\n"):
        if line == "":
            if fields:
                yield fields
            fields, last = {}, None
        elif line[0] in " \t":
            if last is not None:
                fields[last] += "\n" + line
        else:
            key, _, value = line.partition(":")
            last = key
            fields[key] = value.strip()
    if fields:
        yield fields


def clean_description(raw):
    """Short line + '\n' + long description with Debian formatting removed:
    the leading single space of each continuation line is dropped and lines
    that are just ' .' become blank lines."""
    lines = raw.split("\n")
    out = [lines[0].strip()]
    for line in lines[1:]:
        line = line[1:] if line[:1] in (" ", "\t") else line
        out.append("" if line == "." else line)
    return "\n".join(out).rstrip("\n")


def find_one(lists_dir, pattern):
    found = sorted(glob.glob(os.path.join(lists_dir, pattern)))
    if not found:
        sys.exit("error: no %s in %s; run: apt-get update -o Acquire::Languages=en"
                 % (pattern, lists_dir))
    if len(found) > 1:
        sys.exit("error: several files match %s: %s" % (pattern, found))
    return found[0]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lists", default="/var/lib/apt/lists")
    ap.add_argument("--out", default=os.path.join(
        repo, "data", "debian", "debian-sections-20.jsonl.gz"))
    args = ap.parse_args()

    packages_path = find_one(args.lists, PACKAGES_GLOB)
    translation_path = find_one(args.lists, TRANSLATION_GLOB)
    print("Packages:    %s" % os.path.basename(packages_path))
    print("Translation: %s" % os.path.basename(translation_path))

    descriptions = {}
    for st in stanzas(read_list(translation_path)):
        md5, desc = st.get("Description-md5"), st.get("Description-en")
        if md5 and desc:
            descriptions[md5] = desc

    wanted = set(SECTIONS)
    rows = {}
    missing = 0
    for st in stanzas(read_list(packages_path)):
        section = st.get("Section", "").rsplit("/", 1)[-1]
        if section not in wanted:
            continue
        name = st["Package"]
        raw = descriptions.get(st.get("Description-md5", ""))
        if raw is None and "\n" in st.get("Description", ""):
            raw = st["Description"]  # long description inline in Packages
        if raw is None:
            missing += 1
            continue
        source = st.get("Source", name).split("(")[0].strip() or name
        row = {"id": name, "source": source, "section": section,
               "text": clean_description(raw)}
        if name in rows and rows[name] != row:
            sys.exit("error: package %s listed twice with different data" % name)
        rows[name] = row

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as raw_out:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw_out,
                           compresslevel=9, mtime=0) as gz:
            for name in sorted(rows):
                gz.write((json.dumps(rows[name], ensure_ascii=False,
                                     sort_keys=False) + "\n").encode("utf-8"))
    os.replace(tmp, args.out)

    counts = collections.Counter(r["section"] for r in rows.values())
    print("dropped (no description): %d" % missing)
    for s in SECTIONS:
        print("%-12s %6d" % (s, counts[s]))
    print("total rows            %6d" % len(rows))
    print("distinct texts        %6d" % len({r["text"] for r in rows.values()}))
    print("distinct sources      %6d" % len({r["source"] for r in rows.values()}))
    print("wrote %s (%d bytes)" % (args.out, os.path.getsize(args.out)))


if __name__ == "__main__":
    main()

"""Web bundle: gzip size of the JavaScript the first page load needs.

Reads apps/web/dist (building it with `npm run build` when it is missing, unless
`--no-build`), takes the scripts of index.html (the entry module and any classic script)
and its `modulepreload` links, follows
the static `import` statements of those chunks (dynamic `import()`s are lazy routes and
are left out), and sums each file's size gzipped at level 9, as the production image
precompresses them (apps/web/Dockerfile).

    cd apps/api && uv run python ../../bench/web_bundle.py
"""

import argparse
import gzip
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from common import ROOT

WEB = ROOT / "apps" / "web"
DIST = WEB / "dist"
TARGET_KB = 250.0
# `import{a as b}from"./x.js"` and `import"./x.js"`, not `import("./x.js")`.
STATIC_IMPORT = re.compile(r"""\bimport\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+\.js)["']""")


class EntryScripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.files: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.files.append(str(values["src"]))
        if tag == "link" and values.get("rel") == "modulepreload" and values.get("href"):
            self.files.append(str(values["href"]))


def resolve(reference: str, importer: Path | None) -> Path:
    if reference.startswith("/"):
        return DIST / reference.lstrip("/")
    base = importer.parent if importer is not None else DIST
    return (base / reference).resolve()


def initial_files(dist: Path) -> list[Path]:
    parser = EntryScripts()
    parser.feed((dist / "index.html").read_text())
    pending = [resolve(f, None) for f in parser.files if f.endswith(".js")]
    seen: list[Path] = []
    while pending:
        path = pending.pop()
        if path in seen or not path.is_file():
            continue
        seen.append(path)
        pending += [resolve(ref, path) for ref in STATIC_IMPORT.findall(path.read_text())]
    return seen


def build() -> None:
    if not (WEB / "node_modules").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True)
    subprocess.run(["npm", "run", "build"], cwd=WEB, check=True, stdout=sys.stderr)


def measure(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-build", action="store_true", help="skip if dist is missing")
    args = parser.parse_args(argv)
    built = False
    if not (DIST / "index.html").is_file():
        if args.no_build:
            return {"benchmark": "web_bundle", "skipped": "apps/web/dist is missing (not built)"}
        build()
        built = True
    files = initial_files(DIST)
    sizes = {}
    for path in files:
        data = path.read_bytes()
        sizes[str(path.relative_to(DIST))] = {
            "bytes": len(data),
            "gzip_bytes": len(gzip.compress(data, compresslevel=9)),
        }
    total = sum(s["gzip_bytes"] for s in sizes.values())
    lazy = [p for p in (DIST / "assets").glob("*.js") if p not in files]
    return {
        "benchmark": "web_bundle",
        "built_now": built,
        "initial_js_files": sizes,
        "initial_js_bytes": sum(s["bytes"] for s in sizes.values()),
        "initial_js_gzip_kb": round(total / 1024, 1),
        "lazy_js_files": len(lazy),
        "lazy_js_gzip_kb": round(
            sum(len(gzip.compress(p.read_bytes(), compresslevel=9)) for p in lazy) / 1024, 1
        ),
        "target_kb": TARGET_KB,
    }


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1:]), indent=2))

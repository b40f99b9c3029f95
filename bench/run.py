"""Runs every benchmark, prints each target with its measured value and ratio to its floor,
and writes the figures as JSON under bench/results/.

    make bench        full sizes (minutes)
    make bench-smoke  tiny sizes, so the scripts keep working (runs in CI)
"""

import argparse
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ingest
from common import write_result


def ingest_rows(results: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    rows = []
    by = {(r["target"], r["updates_per_post"]): r for r in results}
    for per_post, target in ((1, 2000), (100, 8000)):
        atende, floor = by[("atende", per_post)], by[("floor", per_post)]
        value = atende["saturation_updates_per_s"]
        ratio = value / floor["saturation_updates_per_s"]
        ok = value >= target and atende["committed_inbound"] == atende["expected_inbound"]
        rows.append(
            (
                f"ingest {per_post}/POST updates/s (≥ {target:,})",
                f"{value:,.0f}",
                f"{ratio:.2f}x floor",
                "met" if ok else "NOT met",
            )
        )
        p99 = atende["fixed_1000_p99_ms"]
        rows.append(
            (
                f"ingest {per_post}/POST ack p99 @1,000 upd/s (≤ 50 ms)",
                f"{p99} ms",
                f"floor {floor['fixed_1000_p99_ms']} ms",
                "met" if p99 <= 50 else "NOT met",
            )
        )
        rows.append(
            (
                f"ingest {per_post}/POST committed",
                f"{atende['committed_inbound']}/{atende['expected_inbound']}",
                "",
                "met" if atende["committed_inbound"] == atende["expected_inbound"] else "NOT met",
            )
        )
    return rows


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    header = ("target", "measured", "vs floor", "status")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    os.chdir(Path(__file__).resolve().parent)
    sys.argv = [sys.argv[0], *(["--smoke"] if args.smoke else [])]
    results: dict[str, Any] = {"ingest": ingest.main()}
    rows = ingest_rows(results["ingest"])
    print_table(rows)
    path = write_result("smoke" if args.smoke else "bench", results)
    print(f"\nfigures written to {path}")


if __name__ == "__main__":
    main()

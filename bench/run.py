"""Runs every benchmark, prints each target with its measured value and its ratio to a floor
measured in the same run, and writes the figures as JSON under bench/results/.

    make bench        full sizes (tens of minutes: the query benchmark generates 10 M messages)
    make bench-smoke  tiny sizes, so the scripts keep working (runs in CI)

`--only realtime,outbound` runs a subset; `--keep` / `--database NAME` keep or reuse the
query benchmark's generated database. A benchmark that crashes, or data that goes missing
(webhook messages not committed, events not delivered or delivered to the wrong team,
outbound messages not sent or sent twice), makes the run fail; a missed target does not.
"""

import argparse
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ingest
import outbound
import queries
import realtime_latency
import web_bundle
from common import RESULTS_DIR

Row = tuple[str, str, str, str]
SECTIONS = ("ingest", "realtime", "outbound", "queries", "web")


def status(ok: bool) -> str:
    return "met" if ok else "NOT met"


def times_floor(value: float | None, floor: float | None) -> str:
    if value is None or floor is None:
        return "floor n/a"
    ratio = f"{value / floor:.1f}x" if floor > 0 else "n/a"
    return f"{ratio} floor ({floor:g} ms)"


# -- webhook ingest ------------------------------------------------------------------------


def run_ingest(smoke: bool, _args: argparse.Namespace) -> list[dict[str, Any]]:
    saved = sys.argv
    sys.argv = [saved[0], *(["--smoke"] if smoke else [])]
    try:
        return ingest.main()
    finally:
        sys.argv = saved


def ingest_rows(results: list[dict[str, Any]], problems: list[str]) -> list[Row]:
    rows = []
    by = {(r["target"], r["updates_per_post"]): r for r in results}
    for per_post, target in ((1, 2000), (100, 8000)):
        floor = by[("floor", per_post)]
        for label in ("atende", "atende x2"):
            atende = by.get((label, per_post))
            if atende is None:
                continue
            name = f"ingest {per_post}/POST" + (", 2 processes" if label == "atende x2" else "")
            value = atende["saturation_updates_per_s"]
            ratio = value / floor["saturation_updates_per_s"]
            complete = atende["committed_inbound"] == atende["expected_inbound"]
            p99 = atende["fixed_1000_p99_ms"]
            rows += [
                (
                    f"{name} updates/s (≥ {target:,})",
                    f"{value:,.0f}",
                    f"{ratio:.2f}x floor",
                    status(value >= target and complete),
                ),
                (
                    f"{name} ack p99 @1,000 upd/s (≤ 50 ms)",
                    f"{p99} ms",
                    f"floor {floor['fixed_1000_p99_ms']} ms",
                    status(p99 <= 50),
                ),
                (
                    f"{name} committed",
                    f"{atende['committed_inbound']}/{atende['expected_inbound']}",
                    "",
                    status(complete),
                ),
            ]
            if not complete:
                problems.append(f"{name}: inbound messages missing")
    return rows


# -- webhook → agent -----------------------------------------------------------------------

REALTIME_RUNS = {
    "atende": ["--target", "atende"],
    "atende_2_processes": ["--target", "atende", "--processes", "2"],
    "floor_memory": ["--target", "floor", "--no-redis"],
    "floor_redis": ["--target", "floor"],
    "floor_redis_2_processes": ["--target", "floor", "--processes", "2"],
}


def run_realtime(smoke: bool, _args: argparse.Namespace) -> dict[str, Any]:
    if smoke:
        size = ["--clients", "10", "--teams", "3", "--messages", "50", "--rate", "100"]
        size += ["--timeout", "20"]
    else:
        size = ["--clients", "200", "--teams", "10", "--messages", "5000", "--rate", "500"]
        size += ["--timeout", "60"]
    return {name: realtime_latency.measure(size + flags) for name, flags in REALTIME_RUNS.items()}


def realtime_rows(results: dict[str, Any], problems: list[str]) -> list[Row]:
    one, two = results["atende"], results["atende_2_processes"]
    floor, floor_two = results["floor_redis"], results["floor_redis_2_processes"]
    memory = results["floor_memory"]
    size = f"{one['clients']} agents/{one['teams']} teams, {one['rate_per_s']:g} msg/s"
    rows = [
        (
            f"webhook→agent p50, 1 process (≤ 10 ms) [{size}]",
            f"{one['delivery_p50_ms']} ms",
            times_floor(one["delivery_p50_ms"], floor["delivery_p50_ms"]),
            status(one["delivery_p50_ms"] is not None and one["delivery_p50_ms"] <= 10),
        ),
        (
            "webhook→agent p99, 1 process (≤ 50 ms)",
            f"{one['delivery_p99_ms']} ms",
            times_floor(one["delivery_p99_ms"], floor["delivery_p99_ms"]),
            status(one["delivery_p99_ms"] is not None and one["delivery_p99_ms"] <= 50),
        ),
        (
            "webhook→agent p99, 2 processes + Redis (≤ 75 ms)",
            f"{two['delivery_p99_ms']} ms",
            times_floor(two["delivery_p99_ms"], floor_two["delivery_p99_ms"]),
            status(two["delivery_p99_ms"] is not None and two["delivery_p99_ms"] <= 75),
        ),
        (
            "realtime floor in memory p50/p99 (info)",
            f"{memory['delivery_p50_ms']}/{memory['delivery_p99_ms']} ms",
            "",
            "info",
        ),
    ]
    for name, result in results.items():
        complete = (
            result["deliveries"] == result["expected_deliveries"]
            and result["leaked_deliveries"] == 0
            and result["duplicate_deliveries"] == 0
        )
        if not complete:
            problems.append(f"realtime {name}: deliveries missing, leaked or duplicated")
        if name.startswith("atende"):
            rows.append(
                (
                    f"webhook→agent delivered, right team only ({name})",
                    f"{result['deliveries']}/{result['expected_deliveries']},"
                    f" {result['leaked_deliveries']} leaked",
                    "",
                    status(complete),
                )
            )
    return rows


# -- outbound ------------------------------------------------------------------------------


def run_outbound(smoke: bool, _args: argparse.Namespace) -> dict[str, Any]:
    size = ["--numbers", "2", "--messages", "200"] if smoke else []
    return outbound.measure(size)


def outbound_rows(result: dict[str, Any], problems: list[str]) -> list[Row]:
    floor = result["floor"]
    limit = result["number_rate_limit_per_s"]
    complete = (
        result["sent_twice"] == 0
        and result["db_sent"] == result["messages"]
        and result["db_distinct_wamids"] == result["messages"]
        and result["messages_called"] == result["messages"]
    )
    if not complete:
        problems.append("outbound: messages not sent, or sent more than once")
    return [
        (
            f"outbound msg/s, {result['numbers']} numbers, {result['workers']} workers (≥ 1,000)",
            f"{result['msgs_per_s']:,.0f}",
            f"{result['msgs_per_s'] / floor['msgs_per_s']:.2f}x floor"
            f" ({floor['msgs_per_s']:,.0f}/s)",
            status(result["msgs_per_s"] >= 1000),
        ),
        (
            f"outbound busiest number-second (≤ limit {limit:g}/s)",
            f"{result['max_per_number_per_s']}/s",
            f"floor (no limit) {floor['max_per_number_per_s']}/s",
            status(result["max_per_number_per_s"] <= limit),
        ),
        (
            "outbound queue-to-accepted p50/p99 (info)",
            f"{result['queue_to_accepted_p50_ms']}/{result['queue_to_accepted_p99_ms']} ms",
            f"floor {floor['queue_to_accepted_p50_ms']}/{floor['queue_to_accepted_p99_ms']} ms",
            "info",
        ),
        (
            "outbound all sent, none twice",
            f"{result['db_sent']}/{result['messages']}, {result['sent_twice']} twice",
            "",
            status(complete),
        ),
    ]


# -- queries at scale ----------------------------------------------------------------------


def run_queries(smoke: bool, args: argparse.Namespace) -> dict[str, Any]:
    flags = ["--scale", "0.002", "--reps", "5", "--cold-reps", "1"] if smoke else []
    if args.scale is not None:
        flags += ["--scale", str(args.scale)]
    if args.keep:
        flags.append("--keep")
    if args.database:
        flags += ["--database", args.database]
    return queries.measure(flags)


def queries_rows(result: dict[str, Any], _problems: list[str]) -> list[Row]:
    data = result["dataset"]
    rows = []
    for q in result["queries"]:
        label = f"{q['name']} ({q['role']}) p95 (≤ {q['target_ms']:g} ms)"
        if q is result["queries"][0]:
            label += f" [{data['conversations']:,} conv., {data['messages']:,} msgs]"
        rows.append(
            (
                label,
                f"{q['p95_ms']} ms",
                times_floor(q["p95_ms"], q["floor_p95_ms"]),
                status(q["p95_ms"] <= q["target_ms"]),
            )
        )
    return rows


# -- web bundle ----------------------------------------------------------------------------


def run_web(smoke: bool, _args: argparse.Namespace) -> dict[str, Any]:
    return web_bundle.measure(["--no-build"] if smoke else [])


def web_rows(result: dict[str, Any], _problems: list[str]) -> list[Row]:
    label = f"web initial-route JS gzip (≤ {web_bundle.TARGET_KB:g} KB)"
    if "skipped" in result:
        return [(label, "skipped", result["skipped"], "skipped")]
    value = result["initial_js_gzip_kb"]
    files = len(result["initial_js_files"])
    return [
        (
            label,
            f"{value} KB",
            f"{files} files; lazy routes {result['lazy_js_gzip_kb']} KB",
            status(value <= web_bundle.TARGET_KB),
        )
    ]


RUNNERS: dict[str, tuple[Callable[..., Any], Callable[..., list[Row]]]] = {
    "ingest": (run_ingest, ingest_rows),
    "realtime": (run_realtime, realtime_rows),
    "outbound": (run_outbound, outbound_rows),
    "queries": (run_queries, queries_rows),
    "web": (run_web, web_rows),
}


def machine() -> dict[str, Any]:
    model = ""
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        memory_kb = int(meminfo.readline().split()[1])
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
    }


def print_table(rows: list[Row]) -> None:
    header = ("target", "measured", "vs floor", "status")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (CI)")
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(SECTIONS)}")
    parser.add_argument("--scale", type=float, help="query benchmark scale (1 = 1 M conv.)")
    parser.add_argument("--keep", action="store_true", help="keep the query benchmark's database")
    parser.add_argument("--database", help="reuse a database generated with --keep")
    args = parser.parse_args()
    sections = args.only.split(",") if args.only else list(SECTIONS)
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    os.chdir(Path(__file__).resolve().parent)

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = RESULTS_DIR / f"{'smoke' if args.smoke else 'bench'}-{stamp}.json"
    results: dict[str, Any] = {"smoke": args.smoke, "machine": machine()}
    durations: dict[str, float] = {}
    loads: dict[str, tuple[float, float, float]] = {"start": os.getloadavg()}
    rows: list[Row] = []
    problems: list[str] = []
    for name in sections:
        runner, to_rows = RUNNERS[name]
        started = time.perf_counter()
        print(f"== {name}", file=sys.stderr, flush=True)
        try:
            results[name] = runner(args.smoke, args)
            rows += to_rows(results[name], problems)
        except Exception as e:
            traceback.print_exc()
            problems.append(f"{name}: {type(e).__name__}: {e}")
            rows.append((name, "ERROR", f"{type(e).__name__}", "failed"))
        durations[name] = round(time.perf_counter() - started, 1)
        loads[name] = os.getloadavg()
        # Written after each benchmark, so a later crash keeps the figures measured so far.
        path.write_text(json.dumps({**results, "durations_s": durations}, indent=2))
    results["durations_s"] = durations
    results["load_average"] = loads

    info = results["machine"]
    print(
        f"\n{info['cpus']} x {info['cpu_model']}, {info['memory_gb']} GB;"
        f" load average (1/5/15 min) at start {'/'.join(f'{x:.1f}' for x in loads['start'])},"
        f" at end {'/'.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print("durations: " + ", ".join(f"{k} {v:g} s" for k, v in durations.items()) + "\n")
    print_table(rows)
    results["problems"] = problems
    path.write_text(json.dumps(results, indent=2))
    print(f"\nfigures written to {path}")
    if problems:
        print("\nFAILED: " + "; ".join(problems))
        sys.exit(1)


if __name__ == "__main__":
    main()

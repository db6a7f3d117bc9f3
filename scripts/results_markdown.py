#!/usr/bin/env python3
"""Renders q4bench-cli CSV output as the Markdown tables of the README.

  results_markdown.py table FILE.csv   one row per record, in the original comparison's shape
  results_markdown.py pivot FILE.csv   median ms per kernel (rows) and m (columns), speedup in brackets
  results_markdown.py targets FILE.csv KERNEL   one kernel against the baseline: per shape and m, the
                                       time without and with act-order, the act-order cost, the
                                       speedup and the fraction of the floor
  results_markdown.py sparse FILE.csv  per sparsity pattern and kernel (rows) and m (columns): median
                                       µs with the speedup in brackets, the weight bytes at the
                                       smallest m and the pruning error

Columns are read by name from the CSV header, which q4bench writes from its record field table
(core/results/record_fields.cpp), so the keys below are that table's keys.
"""
import csv
import sys

# The record fields this script reads.
USED_KEYS = {"m", "n", "k", "kernel", "path", "act_order", "status", "time_ms_median", "mem_peak_mb",
             "rel_error", "speedup_vs_baseline", "fraction_of_floor"}
SPARSE_KEYS = {"sparsity", "mem_weights_bytes", "pruning_error"}


def number(text, digits):
    return f"{float(text):.{digits}f}" if text not in ("", None) else "-"


def table(rows):
    print("| m | n | k | implementation | act_order | time ms/op | max mem MB | rel error | speedup | % of floor |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        ok = r["status"] == "ok"
        time = number(r["time_ms_median"], 4) if ok else r["status"]
        error = f"{float(r['rel_error']):.1e}" if r["rel_error"] else "-"
        speedup = number(r["speedup_vs_baseline"], 2) + "x" if ok and r["speedup_vs_baseline"] else "-"
        fraction = f"{100 * float(r['fraction_of_floor']):.0f} %" if ok and r["fraction_of_floor"] else "-"
        act_order = "yes" if r["act_order"] == "true" else "no"
        print(f"| {r['m']} | {r['n']} | {r['k']} | {r['kernel']} | {act_order} | {time} "
              f"| {number(r['mem_peak_mb'], 1)} | {error} | {speedup} | {fraction} |")


def pivot(rows):
    ms = sorted({int(r["m"]) for r in rows})
    kernels = list(dict.fromkeys(r["kernel"] for r in rows))
    cell = {(r["kernel"], int(r["m"])): r for r in rows}
    print("| kernel | " + " | ".join(f"m={m}" for m in ms) + " |")
    print("|---|" + "---|" * len(ms))
    for k in kernels:
        out = []
        for m in ms:
            r = cell.get((k, m))
            if not r or r["status"] != "ok":
                out.append("-")
            else:
                speedup = f" ({float(r['speedup_vs_baseline']):.2f}x)" if r["speedup_vs_baseline"] else ""
                out.append(f"{float(r['time_ms_median']):.4f}{speedup}")
        print(f"| {k} | " + " | ".join(out) + " |")


def targets(rows, kernel):
    cell = {(r["n"], r["k"], int(r["m"]), r["act_order"]): r for r in rows if r["kernel"] == kernel}
    print(f"| n | k | m | {kernel} ms | path | speedup | % of floor | with act-order ms | act-order cost |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (n, k, m, act_order), r in cell.items():
        if act_order == "true":
            continue
        if r["status"] != "ok":
            print(f"| {n} | {k} | {m} | {r['status']} | | | | | |")
            continue
        time = float(r["time_ms_median"])
        with_order = cell.get((n, k, m, "true"))
        ordered = float(with_order["time_ms_median"]) if with_order and with_order["status"] == "ok" else None
        cost = f"{100 * (ordered / time - 1):+.0f} %" if ordered else "-"
        print(f"| {n} | {k} | {m} | {time:.4f} | {r['path']} | {float(r['speedup_vs_baseline']):.2f}x "
              f"| {100 * float(r['fraction_of_floor']):.0f} % | {number(ordered, 4) if ordered else '-'} | {cost} |")


def sparse(rows):
    ms = sorted({int(r["m"]) for r in rows})
    lines = list(dict.fromkeys((r["sparsity"], r["kernel"]) for r in rows if r["status"] == "ok"))
    cell = {(r["sparsity"], r["kernel"], int(r["m"])): r for r in rows}
    print("| sparsity | kernel | " + " | ".join(f"m={m}" for m in ms) + " | weights MB at the first m | pruning error |")
    print("|---|---|" + "---|" * (len(ms) + 2))
    for sparsity, kernel in lines:
        out, first_ok = [], None
        for m in ms:
            r = cell.get((sparsity, kernel, m))
            if not r or r["status"] != "ok":
                out.append("-")
                continue
            first_ok = first_ok or r  # weights at the smallest m (best_int4 may add an fp16 copy above)
            speedup = f" ({float(r['speedup_vs_baseline']):.2f}x)" if r["speedup_vs_baseline"] else ""
            out.append(f"{1000 * float(r['time_ms_median']):.1f}{speedup}")
        weights = f"{int(first_ok['mem_weights_bytes']) / 1e6:.1f}"
        error = f"{float(first_ok['pruning_error']):.3f}" if first_ok["pruning_error"] else "-"
        print(f"| {sparsity} | {kernel} | " + " | ".join(out) + f" | {weights} | {error} |")


if __name__ == "__main__":
    modes = {"table": 3, "pivot": 3, "targets": 4, "sparse": 3}
    if len(sys.argv) < 2 or modes.get(sys.argv[1]) != len(sys.argv):
        sys.exit(__doc__)
    with open(sys.argv[2], newline="") as f:
        reader = csv.DictReader(f)
        missing = (USED_KEYS | (SPARSE_KEYS if sys.argv[1] == "sparse" else set())) - set(reader.fieldnames or [])
        if missing:
            sys.exit(f"{sys.argv[2]}: not a q4bench CSV: no column {', '.join(sorted(missing))}")
        records = list(reader)
    if sys.argv[1] == "targets":
        targets(records, sys.argv[3])
    elif sys.argv[1] == "sparse":
        sparse(records)
    else:
        (table if sys.argv[1] == "table" else pivot)(records)

#!/usr/bin/env python3
"""Renders q4bench-cli model CSV output as the Markdown tables of the README.

  model_markdown.py table FILE.csv...        the origin's table: one row per (kernel, batch)
  model_markdown.py components FILE.csv...   the profiled decode step of each record, by component

Columns are read by name from the CSV header, which q4bench writes from its model record field
table (core/model/model_record.cpp).
"""
import csv
import sys

USED_KEYS = {"kernel", "batch", "status", "message", "load_s", "ttft_ms", "per_token_ms_mean", "per_token_ms_p10",
             "per_token_ms_p90", "tokens_per_s", "mem_peak_mb", "fraction_of_floor", "step_floor_ms", "cuda_graph",
             "profiled_step_ms"}
LINEAR = ("qkv_proj", "o_proj", "gate_up_proj", "down_proj")
OTHER = ("embedding", "attention", "mlp_act", "norms", "residual", "lm_head", "sampling", "gaps")


def number(text, digits):
    return f"{float(text):.{digits}f}" if text not in ("", None) else "-"


def table(rows):
    print("| kernel | batch | load s | TTFT ms | ms/token (p10-p90) | tokens/s | peak mem GB | floor ms | % of floor | graph |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r["status"] != "ok":
            print(f"| {r['kernel']} | {r['batch']} | {r['status']}: {r['message']} | | | | | | | |")
            continue
        latency = f"{number(r['per_token_ms_mean'], 2)} ({number(r['per_token_ms_p10'], 2)}-{number(r['per_token_ms_p90'], 2)})"
        share = f"{float(r['fraction_of_floor']) * 100:.0f} %" if r["fraction_of_floor"] else "-"
        peak = f"{float(r['mem_peak_mb']) / 1000:.1f}"
        print(f"| {r['kernel']} | {r['batch']} | {number(r['load_s'], 1)} | {number(r['ttft_ms'], 1)} | {latency} | "
              f"{number(r['tokens_per_s'], 1)} | {peak} | {number(r['step_floor_ms'], 2)} | {share} | {r['cuda_graph']} |")


def components(rows):
    names = [n for n in LINEAR + OTHER if f"{n}_ms" in rows[0]]
    print("| kernel | batch | measured ms | profiled ms | profiled / measured | " + " | ".join(names) +
          " | outside linear layers |")
    print("|---|---|---|---|---|" + "---|" * len(names) + "---|")
    for r in rows:
        if r["status"] != "ok" or not r["profiled_step_ms"]:
            continue
        parts = {n: float(r[f"{n}_ms"]) if r[f"{n}_ms"] else 0.0 for n in names}
        outside = sum(parts[n] for n in OTHER if n in parts)
        total = sum(parts.values())
        cells = " | ".join(f"{parts[n]:.3f}" for n in names)
        ratio = float(r["profiled_step_ms"]) / float(r["per_token_ms_mean"]) if r["per_token_ms_mean"] else None
        print(f"| {r['kernel']} | {r['batch']} | {number(r['per_token_ms_mean'], 3)} | {number(r['profiled_step_ms'], 3)} | "
              f"{'-' if ratio is None else f'{ratio:.3f}'} | {cells} | {outside / total * 100:.1f} % |")


if __name__ == "__main__":
    modes = {"table": table, "components": components}
    if len(sys.argv) < 3 or sys.argv[1] not in modes:
        sys.exit(__doc__)
    records = []
    for path in sys.argv[2:]:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        if rows:
            missing = USED_KEYS - set(rows[0])
            if missing:
                sys.exit(f"{path}: not a q4bench model CSV: no column {', '.join(sorted(missing))}")
        records += rows
    if records:
        modes[sys.argv[1]](records)

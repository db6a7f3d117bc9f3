#!/usr/bin/env python3
"""An independent check of the fp16 baseline: times PyTorch's F.linear (weights [n, k], as
nn.Linear stores them) and torch.matmul on weights [k, n] on the GPU the way q4bench-cli times
cublas_fp16 with a cold L2: before every sample the L2 is flushed by reading a buffer twice its
size, outside the timed region; CUDA events bracket the product alone; all samples are queued
ahead of the host, which synchronizes once. Never part of the product: PyTorch is only the judge.

    python3 scripts/torch_linear_check.py [--n 8192] [--k 8192] [--m 1,2,4,...] [--samples 200]

Prints one CSV line per (m, layout): m,n,k,layout,median_ms,p10_ms,p90_ms,samples.
"""
import argparse
import statistics

import torch
import torch.nn.functional as F


def time_product(product, flush, samples):
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(samples)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(samples)]
    for _ in range(5):  # warm-up: cuBLAS picks and loads its kernel
        product()
    for start, end in zip(starts, ends):
        flush()
        start.record()
        product()
        end.record()
    torch.cuda.synchronize()
    times = sorted(s.elapsed_time(e) for s, e in zip(starts, ends))
    return statistics.median(times), times[len(times) // 10], times[(9 * len(times)) // 10]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=8192)
    parser.add_argument("--k", type=int, default=8192)
    parser.add_argument("--m", default="1,2,4,8,16,32,64,128,256,512,1024,2048,4096")
    parser.add_argument("--samples", type=int, default=200)
    opts = parser.parse_args()

    torch.manual_seed(1234)
    device = torch.device("cuda")
    l2_bytes = torch.cuda.get_device_properties(device).L2_cache_size
    scratch = torch.empty(2 * l2_bytes // 4, dtype=torch.float32, device=device).uniform_()
    flush = lambda: scratch.sum()  # noqa: E731  a read of twice the L2
    w_nk = (torch.randn(opts.n, opts.k, device=device) * 0.02).half()
    w_kn = w_nk.t().contiguous()
    print("# %s, torch %s, CUDA %s, cold L2 (%d MB flushed by reads)" %
          (torch.cuda.get_device_name(device), torch.__version__, torch.version.cuda, 2 * l2_bytes >> 20))
    print("m,n,k,layout,median_ms,p10_ms,p90_ms,samples")
    for m in (int(v) for v in opts.m.split(",")):
        a = torch.randn(m, opts.k, device=device).half()
        for layout, product in (("F.linear W[n,k]", lambda: F.linear(a, w_nk)),
                                ("matmul W[k,n]", lambda: torch.matmul(a, w_kn))):
            median, p10, p90 = time_product(product, flush, opts.samples)
            print("%d,%d,%d,%s,%.5f,%.5f,%.5f,%d" % (m, opts.n, opts.k, layout, median, p10, p90, opts.samples),
                  flush=True)


if __name__ == "__main__":
    main()

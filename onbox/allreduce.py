#!/usr/bin/env python3
"""Cross-node all-reduce bandwidth, for `gpubox check` on a cluster.

Started on every node at once by gpubox (as a cluster job), with the environment of
torch.distributed's env:// rendezvous (MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK). NCCL on CUDA
GPUs, gloo on CPUs. Rank 0 prints one line

    gpubox-allreduce: {"backend": "nccl", "world_size": 2, "bytes": ..., "seconds": ...,
                       "algbw_gbytes_per_s": ..., "busbw_gbytes_per_s": ...}

Bus bandwidth follows nccl-tests' convention for all-reduce: algbw * 2 (n - 1) / n, the traffic
each rank's link carries, comparable with the link's speed. Exit 0 when every rank took part, else
non-zero with the reason on stderr. Python 3 standard library plus torch.
"""
import json
import os
import sys
import time


def main():
    try:
        import torch
        import torch.distributed as dist
    except ImportError as e:
        sys.stderr.write("allreduce.py: PyTorch is not installed here (%s)\n" % e)
        return 3
    mib = int(os.environ.get("GPUBOX_ALLREDUCE_MIB", "64"))
    iterations = int(os.environ.get("GPUBOX_ALLREDUCE_ITERS", "5"))
    cuda = torch.cuda.is_available()
    backend = "nccl" if cuda else "gloo"
    if cuda:
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend, init_method="env://")
    rank, world = dist.get_rank(), dist.get_world_size()
    device = "cuda" if cuda else "cpu"
    count = mib * 1024 * 1024 // 4
    data = torch.ones(count, dtype=torch.float32, device=device)

    def sync():
        if cuda:
            torch.cuda.synchronize()

    # Every rank contributes 1: the sum proves every rank took part.
    dist.all_reduce(data)
    sync()
    if data[0].item() != world:
        sys.stderr.write("allreduce.py: rank %d saw a sum of %g, not %d\n"
                         % (rank, data[0].item(), world))
        return 1
    dist.barrier()
    started = time.perf_counter()
    for _ in range(iterations):
        dist.all_reduce(data)
    sync()
    seconds = (time.perf_counter() - started) / iterations
    nbytes = count * 4
    algbw = nbytes / seconds / 1e9
    if rank == 0:
        print("gpubox-allreduce: " + json.dumps({
            "backend": backend, "world_size": world, "bytes": nbytes,
            "seconds": round(seconds, 6), "algbw_gbytes_per_s": round(algbw, 3),
            "busbw_gbytes_per_s": round(algbw * 2 * (world - 1) / world, 3)}), flush=True)
    dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())

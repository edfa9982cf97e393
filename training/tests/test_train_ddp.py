"""Several ranks agree on the clock that decides the LR and the stop (train.agreed_elapsed)."""
import os
import tempfile

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from diffuse.train import agreed_elapsed


def _rank(rank, world, store_file, results):
    dist.init_process_group("gloo", init_method=f"file://{store_file}", rank=rank, world_size=world)
    try:
        # rank r's own clock reads 10 + r seconds: every rank must see the slowest one's
        results[rank] = agreed_elapsed(10.0 + rank, True, "cpu")
    finally:
        dist.destroy_process_group()


def test_ranks_agree_on_the_slowest_clock():
    world = 2
    with tempfile.TemporaryDirectory() as d:
        results = mp.Manager().dict()
        mp.spawn(_rank, args=(world, os.path.join(d, "store"), results), nprocs=world, join=True)
    assert dict(results) == {0: 11.0, 1: 11.0}


def test_alone_the_local_clock_is_kept():
    assert agreed_elapsed(3.5, False, "cpu") == 3.5

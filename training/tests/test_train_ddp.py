"""Several ranks agree on the clock that decides the LR and the stop (train.agreed_elapsed), and
receive what rank 0 alone computed (train.shared_from_master)."""
import os
import tempfile

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from diffuse.train import agreed_elapsed, shared_from_master


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


def _shared_rank(rank, world, store_file, results):
    dist.init_process_group("gloo", init_method=f"file://{store_file}", rank=rank, world_size=world)
    calls = []
    try:
        def compute():
            calls.append(rank)
            return [0.5, rank + 1.0]
        results[rank] = (shared_from_master(compute, True, rank == 0), calls)
    finally:
        dist.destroy_process_group()


def test_rank_0_computes_and_every_rank_receives_its_result():
    world = 2
    with tempfile.TemporaryDirectory() as d:
        results = mp.Manager().dict()
        mp.spawn(_shared_rank, args=(world, os.path.join(d, "store"), results), nprocs=world, join=True)
    assert dict(results) == {0: ([0.5, 1.0], [0]), 1: ([0.5, 1.0], [])}


def test_alone_it_computes_itself():
    assert shared_from_master(lambda: [2.0], False, True) == [2.0]

"""Several ranks agree on the clock that decides the LR and the stop (train.agreed_elapsed), and
receive what rank 0 alone computed (train.shared_from_master)."""
import os
import tempfile

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from diffuse.train import agreed_elapsed, shared_from_master


def _in_group(rank, world, store_file, results, body):
    dist.init_process_group("gloo", init_method=f"file://{store_file}", rank=rank, world_size=world)
    try:
        results[rank] = body(rank)
    finally:
        dist.destroy_process_group()


def _on_two_ranks(body):
    """{rank: body(rank)} from two processes in one gloo group (`body` a module-level function)."""
    world = 2
    with tempfile.TemporaryDirectory() as d:
        results = mp.Manager().dict()
        mp.spawn(_in_group, args=(world, os.path.join(d, "store"), results, body), nprocs=world, join=True)
    return dict(results)


def _clock(rank):
    # rank r's own clock reads 10 + r seconds: every rank must see the slowest one's
    return agreed_elapsed(10.0 + rank, True, "cpu")


def test_ranks_agree_on_the_slowest_clock():
    assert _on_two_ranks(_clock) == {0: 11.0, 1: 11.0}


def test_alone_the_local_clock_is_kept():
    assert agreed_elapsed(3.5, False, "cpu") == 3.5


def _shared(rank):
    calls = []

    def compute():
        calls.append(rank)
        return [0.5, rank + 1.0]
    return shared_from_master(compute, True, rank == 0), calls


def test_rank_0_computes_and_every_rank_receives_its_result():
    assert _on_two_ranks(_shared) == {0: ([0.5, 1.0], [0]), 1: ([0.5, 1.0], [])}


def test_alone_it_computes_itself():
    assert shared_from_master(lambda: [2.0], False, True) == [2.0]

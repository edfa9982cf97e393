"""Invariants of the Python reference sampler, and that the checked-in goldens are what it produces.

Standard library plus pytest; run with ``python3 -m pytest training/reference_sampler``.
"""

import json
import math
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fake_denoiser import FAKE_SPEC, fake_logits  # noqa: E402
from make_sampler_goldens import DEFAULT_OUT, EXPAND, EXPAND_CASES, build, canvas, fake_denoise  # noqa: E402
from rng import Rng  # noqa: E402
import sampler as sampler_module  # noqa: E402
from sampler import (CanvasState, HoleGrowth, PositionStats, RowPlan, SampleError, draw_token,  # noqa: E402
                     revealed_by, sample)

M = FAKE_SPEC["maskId"]
ROW = canvas([3, 17, 9], 6, [8, 8, 21], 5, [12])


def denoise_recording(calls):
    def denoise(tokens, batch, length, positions, queries, cond):
        calls.append({"tokens": tokens, "positions": positions, "queries": queries, "cond": cond})
        return fake_logits(FAKE_SPEC, tokens, batch, length, positions, queries)
    return denoise


def run(options, rows=(ROW,), on_step=None):
    calls = []
    tokens = [t for r in rows for t in r]
    result = sample(denoise_recording(calls), FAKE_SPEC, tokens, len(rows), len(rows[0]), options, on_step)
    return result, calls


def test_checked_in_goldens_are_current():
    """Exact but for confidences, which another libm may round an ulp differently."""
    with open(DEFAULT_OUT, encoding="utf-8") as f:
        stored = json.load(f)
    fresh = json.loads(json.dumps(build()))
    assert stored["rng"] == fresh["rng"]
    assert [c["name"] for c in stored["cases"]] == [c["name"] for c in fresh["cases"]]
    for old, new in zip(stored["cases"], fresh["cases"]):
        old_confidence = old["expected"].pop("confidence")
        new_confidence = new["expected"].pop("confidence")
        assert old == new
        assert all(abs(a - b) <= 1e-12 for a, b in zip(old_confidence, new_confidence))


def test_rng_seed_zero_words_and_open_interval():
    rng = Rng(0)
    assert [rng.next_uint32() for _ in range(4)] == [3809008728, 1133695204, 53579671, 2891528803]
    rng = Rng(5)
    values = [rng.next_uniform() for _ in range(20000)]
    assert all(0 < u < 1 for u in values)
    assert abs(sum(values) / len(values) - 0.5) < 0.01
    assert Rng(2**32 + 5).next_uniform() == Rng(5).next_uniform()


@pytest.mark.parametrize("strategy", ["confidence", "margin", "entropy", "random"])
@pytest.mark.parametrize("steps", [1, 4, 30])
@pytest.mark.parametrize("temperature", [0, 0.7, 1.0])
def test_invariants(strategy, steps, temperature):
    masked_counts = []
    result, calls = run({"strategy": strategy, "steps": steps, "temperature": temperature, "seed": steps},
                        on_step=lambda _step, state: masked_counts.append(state.masked))
    assert M not in result["tokens"]
    assert masked_counts == sorted(masked_counts, reverse=True) and masked_counts[-1] == 0
    for i, t in enumerate(ROW):
        if t != M:
            assert result["tokens"][i] == t and result["revealStep"][i] == -1
        else:
            assert 0 < result["confidence"][i] <= 1 and 1 <= result["revealStep"][i] <= result["steps"]
    assert result["nfe"] == len(calls) <= sum(1 for t in ROW if t == M)
    for call in calls:
        asked = set(call["positions"])
        assert asked == {p for p, t in enumerate(call["tokens"]) if t == M}


def test_same_seed_same_output_and_seeds_differ():
    options = {"strategy": "confidence", "steps": 5, "seed": 3}
    assert run(options)[0] == run(options)[0]
    outputs = {tuple(run(dict(options, seed=s))[0]["tokens"]) for s in range(6)}
    assert len(outputs) > 1


def test_caching_random_many_steps_reuses_logits():
    result, calls = run({"strategy": "random", "steps": 200, "seed": 1})
    assert len(calls) == result["nfe"] < result["steps"]


def test_threshold_fewer_calls_at_least_one_reveal_per_step():
    n = sum(1 for t in ROW if t == M)
    plain, _ = run({"strategy": "confidence", "steps": n, "seed": 1, "temperature": 0})
    counts = []
    fast, _ = run({"strategy": "confidence", "steps": n, "seed": 1, "temperature": 0, "threshold": 0.3},
                  on_step=lambda _s, state: counts.append(state.masked))
    assert plain["nfe"] == n and fast["nfe"] < n
    assert all(b < a for a, b in zip([n] + counts, counts))


def test_stop_fills_greedily_without_a_call():
    result, calls = run({"strategy": "random", "steps": 20, "seed": 2}, on_step=lambda _s, _st: "stop")
    assert result["steps"] == 1 and len(calls) == 1 and M not in result["tokens"]


def test_blocks_fill_left_to_right():
    row = canvas([5], 14, [6], 6, [7])
    result, _ = run({"strategy": "confidence", "steps": 10, "seed": 4, "blockSize": 5}, rows=(row,))
    holes = [p for p, t in enumerate(row) if t == M]
    blocks = [[result["revealStep"][p] for p in holes[i:i + 5]] for i in range(0, len(holes), 5)]
    assert all(max(a) < min(b) for a, b in zip(blocks, blocks[1:]))


def test_rejects_bad_options():
    with pytest.raises(SampleError):
        run({"strategy": "confidence", "steps": 0, "seed": 1})
    with pytest.raises(SampleError):
        run({"strategy": "random", "steps": 3, "seed": 1, "threshold": 0.5})
    for penalty in (-0.1, math.nan, math.inf, "0.6"):
        with pytest.raises(SampleError):
            run({"strategy": "confidence", "steps": 3, "seed": 1, "padPenalty": penalty})


def _holes(row):
    """Maximal runs of masked positions of a row, as ranges."""
    holes, start = [], None
    for p, t in enumerate(row + [None]):
        if t == M and start is None:
            start = p
        elif t != M and start is not None:
            holes.append(range(start, p))
            start = None
    return holes


def _pads_are_suffix(tokens):
    pad = FAKE_SPEC["padId"]
    return pad not in tokens or all(t == pad for t in tokens[tokens.index(pad):])


@pytest.mark.parametrize("strategy", ["confidence", "margin", "entropy", "random"])
@pytest.mark.parametrize("block_size", [None, 4])
@pytest.mark.parametrize("temperature", [0, 1.0])
def test_pad_rules_keep_pads_a_suffix_of_every_hole(strategy, block_size, temperature):
    rows = (ROW, canvas([4], 14, [2], 1, [7]))
    padded = 0
    for seed in range(12):
        options = {"strategy": strategy, "steps": 2 + seed, "temperature": temperature, "seed": seed,
                   "blockSize": block_size, "padPenalty": 0.6}
        if strategy != "random":
            options["threshold"] = 0.4

        def check(_step, state):
            for b, row in enumerate(rows):
                for hole in _holes(row):
                    assert _pads_are_suffix([state.token_at(b, p) for p in hole])

        result, _ = run(options, rows=rows, on_step=check)
        assert M not in result["tokens"]
        padded += sum(FAKE_SPEC["padId"] in result["tokens"][b * len(ROW) + h.start:b * len(ROW) + h.stop]
                      for b in range(2) for h in _holes(rows[b]))
    assert padded > 0


def test_pad_penalty_none_is_off():
    for strategy in ("confidence", "random"):
        options = {"strategy": strategy, "steps": 5, "seed": 3}
        assert run(options)[0] == run(dict(options, padPenalty=None))[0]


def test_revealed_by_schedules():
    assert [revealed_by("linear", 10, i, 4) for i in range(5)] == [0, 3, 5, 8, 10]
    for schedule in ("linear", "cosine"):
        values = [revealed_by(schedule, 50, i, 12) for i in range(13)]
        assert values == sorted(values) and values[0] == 0 and values[-1] == 50
    assert revealed_by("cosine", 50, 3, 12) < revealed_by("linear", 50, 3, 12)


def test_draw_token_matches_distribution():
    probs = [0.4, 0.3, 0.15, 0.1, 0.05]
    logits = [math.log(p) for p in probs] + [0.0]
    stats = PositionStats(logits, 0, 6, 5)
    rng = Rng(77)
    n = 20000
    counts = [0] * 6
    for _ in range(n):
        counts[draw_token(logits, 0, stats, rng.next_uniform(), 6, 5, 1.0)] += 1
    assert all(abs(counts[v] / n - p) < 0.015 for v, p in enumerate(probs)) and counts[5] == 0


# --- growing holes (sampler.py HoleGrowth = src/sampler/loop/holeGrowth.ts) ----------------------

X = EXPAND["expandId"]
PAD_ID = EXPAND["padId"]
ROOMY = canvas([2, 9], 4, [0, 0, 0, 0, 0, 11, 4])             # one hole, room 5
ROOMY_TWO = canvas([3], 3, [0, 0, 8], 3, [0, 0, 12])           # two holes, room 2 each
NO_ROOM = canvas([5, 8], 6, [13, 10, 0, 0, 0])                 # a hole followed by text: room 0


def _holes_with_room(row):
    """(start, slots, room) of each hole of an input row: its run of masks and the pads right after it."""
    out = []
    for hole in _holes(row):
        room = 0
        while hole.stop + room < len(row) and row[hole.stop + room] == PAD_ID:
            room += 1
        out.append((hole.start, len(hole), room))
    return out


def _grown_holes(rows, result):
    """Checks a result of growing holes against its input rows; returns each hole's grown length and
    tokens. A grown hole is the run of written positions (revealStep >= 1) from the hole's start."""
    length = len(rows[0])
    grown = []
    for b, row in enumerate(rows):
        tokens = result["tokens"][b * length:(b + 1) * length]
        steps = result["revealStep"][b * length:(b + 1) * length]
        assert M not in tokens and X not in tokens
        written = set()
        for start, slots, room in _holes_with_room(row):
            n = 0
            while start + n < length and steps[start + n] >= 1:
                n += 1
            assert slots <= n <= slots + room
            # the room not taken is the input's padding, untouched
            for p in range(start + n, start + slots + room):
                assert tokens[p] == PAD_ID and steps[p] == -1
            written |= set(range(start, start + n))
            grown.append((n, tokens[start:start + n]))
        # the context, and the text after each room, never move
        for p in range(length):
            if p not in written:
                assert tokens[p] == row[p] and steps[p] == -1
    return grown


def run_expand(rows, options, spec=EXPAND, on_step=None):
    tokens = [t for r in rows for t in r]
    return sample(fake_denoise(spec), spec, tokens, len(rows), len(rows[0]), options, on_step)


def _bookkeeping_holds(_step, state):
    """The split and remask counts stay those of the canvas."""
    assert state.masked == state.tokens.count(M)
    assert state.pending == sum(1 for flag in state.pending_flags if flag)


@pytest.mark.parametrize("strategy", ["confidence", "margin", "entropy", "random"])
@pytest.mark.parametrize("temperature", [0, 0.7, 1.0])
@pytest.mark.parametrize("block_size", [None, 3])
def test_growing_holes_keep_the_canvas(strategy, temperature, block_size):
    grew = 0
    for seed in range(16):
        # the context varies with the seed: at temperature 0 the fake's canvas alone decides the tokens
        rows = ([2, 1 + seed] + ROOMY[2:-2] + [1 + 5 * seed % 22, 4], ROOMY_TWO)
        options = {"strategy": strategy, "steps": 4 + seed % 9, "temperature": temperature, "seed": seed,
                   "blockSize": block_size, "padPenalty": 0.6, "nonEmpty": True}
        if strategy != "random":
            options["threshold"] = 0.8
        result = run_expand(rows, options, on_step=_bookkeeping_holds)
        inputs = [slots for row in rows for _, slots, _ in _holes_with_room(row)]
        for slots, (n, tokens) in zip(inputs, _grown_holes(rows, result)):
            grew += n > slots
            assert _pads_are_suffix(tokens) and tokens[0] != PAD_ID  # padPenalty's suffix, nonEmpty
    assert grew > 0


def _same_as_without_the_token(rows, options):
    """The fake's logits of ids below 24 do not depend on the vocabulary's size: where the expand token
    is never allowed, a run of EXPAND is the run of FAKE_SPEC, bit for bit."""
    tokens = [t for r in rows for t in r]
    plain = sample(fake_denoise(FAKE_SPEC), FAKE_SPEC, tokens, len(rows), len(rows[0]), dict(options))
    assert run_expand(rows, dict(options)) == plain


@pytest.mark.parametrize("strategy", ["confidence", "random"])
@pytest.mark.parametrize("seed", range(6))
def test_no_growth_without_room_or_with_one_step(strategy, seed):
    options = {"strategy": strategy, "steps": 8, "seed": seed, "padPenalty": 0.6}
    _same_as_without_the_token((NO_ROOM,), options)
    _same_as_without_the_token((ROOMY, ROOMY_TWO), dict(options, steps=1))
    # the kernel path never takes the token
    _same_as_without_the_token((ROOMY,), dict(options, strategy="random", kernel="euler"))


def test_growth_changes_runs_where_there_is_room():
    options = {"strategy": "confidence", "steps": 8, "seed": 9, "padPenalty": 0.6}
    rows = (canvas([2, 2], 4, [0, 0, 0, 0, 0, 10, 4]),)  # expand-confidence-t1-pad's canvas
    tokens = [t for r in rows for t in r]
    plain = sample(fake_denoise(FAKE_SPEC), FAKE_SPEC, tokens, 1, len(rows[0]), dict(options))
    assert run_expand(rows, dict(options)) != plain


def test_golden_expand_cases_grow():
    cases = {c["name"]: c for c in build()["cases"]}
    grown = {}
    for case in EXPAND_CASES:
        golden = cases[case["name"]]
        rows = case["rows"]
        holes = [slots for row in rows for _, slots, _ in _holes_with_room(row)]
        grown[case["name"]] = sum(n - slots for slots, (n, _) in zip(holes, _grown_holes(rows, golden["expected"])))
    assert {name for name, n in grown.items() if n == 0} == {"expand-one-step", "expand-euler-kernel"}
    assert sum(grown.values()) >= 25


def test_golden_remask_cases_remask(monkeypatch):
    remasked = []
    original = CanvasState.remask

    def remask(self, row, position):
        remasked.append((row, position))
        original(self, row, position)

    monkeypatch.setattr(sampler_module.CanvasState, "remask", remask)
    for case in EXPAND_CASES:
        if "remask" in case["name"]:
            remasked.clear()
            tokens = [t for r in case["rows"] for t in r]
            sample(fake_denoise(EXPAND), EXPAND, tokens, len(case["rows"]), len(case["rows"][0]), case["options"])
            assert remasked


def test_split_moves_the_hole_into_its_room():
    row = [5, M, M, M, 0, 0, 7]
    state = CanvasState(row, 1, len(row), M, False)
    growth = HoleGrowth.create(EXPAND, state)
    plan = RowPlan(state.pending_positions(0), None, 4)
    assert growth.room[3] == 2 and growth.fresh_positions() == [1, 2, 3, 4, 5]
    growth.set_open(0, True)
    assert growth.allows(0, 1)
    state.reveal(0, 3, 9, 0.5, 1)
    state.reveal(0, 1, X, 0.5, 1)
    assert growth.grow(0, plan)
    assert state.tokens == [5, M, M, M, 9, 0, 7]
    assert state.reveal_step == [-1, -1, -1, -1, 1, -1, -1] and not state.is_pending(0, 4)
    assert [state.hole_end(0, p) for p in range(7)] == [-1, 4, 4, 4, 4, -1, -1]
    assert plan.positions == [1, 2, 3, 4] and growth.room[4] == 1 and growth.room[3] == 0
    assert state.masked == 3 and state.pending == 3
    # two expands where the room holds one: the later splits, the other is masked again
    state.reveal(0, 1, X, 0.5, 2)
    state.reveal(0, 3, X, 0.5, 2)
    assert growth.grow(0, plan)
    assert state.tokens == [5, M, M, M, M, 9, 7] and plan.positions == [1, 2, 3, 4, 5]
    assert growth.room[5] == 0 and not growth.allows(0, 1)
    assert state.masked == 4 and state.pending == 4
    growth.set_open(0, False)
    state.reveal(0, 2, X, 0.5, 3)
    assert not growth.grow(0, plan) and state.is_masked(0, 2) and state.is_pending(0, 2)

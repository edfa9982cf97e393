"""graphs.Schedule (what training noises with) against the reference sampler's schedules (what the TS
sampler denoises with, operation for operation): the same corruption chance, sigma and sigma' for
every schedule type both sides know, through meta.json's schedule object. A model trained on one
and sampled with another would look fine and fill worse."""
import os
import sys

import pytest
import torch

from diffuse.graphs import Schedule

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reference_sampler"))
import sampler as reference  # noqa: E402

SCHEDULES = [Schedule("loglinear"), Schedule("linear"), Schedule("md4_cosine"), Schedule("poly", exponent=3.0),
             Schedule("poly", exponent=0.5), Schedule("geometric")]
CAMEL = {"sigma_min": "sigmaMin", "sigma_max": "sigmaMax"}


def reference_spec(schedule):
    """The sampler's spec of a model exported with `schedule`: its meta.json object, camelCased as
    src/model/folder/meta.ts reads it."""
    return {"schedule": {CAMEL.get(k, k): v for k, v in schedule.meta().items()}}


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: f"{s.type}-{s.exponent}")
def test_training_and_sampling_schedules_agree(schedule):
    spec = reference_spec(schedule)
    for t in [1e-3, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0 - 1e-5]:
        tt = torch.tensor(t, dtype=torch.float64)
        if schedule.type != "geometric":
            assert float(schedule.corrupt_chance(tt)) == pytest.approx(reference.move_chance(spec, t), rel=1e-12)
        assert float(schedule.sigma(tt)) == pytest.approx(reference.sigma(spec, t), rel=1e-12)
        assert float(schedule.dsigma(tt)) == pytest.approx(reference.sigma_rate(spec, t), rel=1e-9)


def test_every_training_schedule_is_covered():
    from diffuse.graphs import DEFAULT_EPS
    assert {s.type for s in SCHEDULES} == (set(DEFAULT_EPS) | {"geometric"}) - {"genmd4"}   # genmd4: per token, md4.py

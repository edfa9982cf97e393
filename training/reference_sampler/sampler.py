"""Plain-Python reference of the TS sampler (`src/sampler`), the same algorithm in the same order of
floating-point operations, so golden cases (make_sampler_goldens.py) can be compared exactly.

Standard library only. The docstrings name the TS file each piece mirrors; the rules themselves are
documented there and repeated briefly here.
"""

import math

from rng import Rng

SAMPLING_EPS = 1e-5


class SampleError(ValueError):
    """A request the sampler rejects (TS: InvalidRequestError)."""


# --- noiseSchedule.ts ---------------------------------------------------------------------------

def grid_time(i, steps):
    return 1 - (i * (1 - SAMPLING_EPS)) / steps


def move_chance(spec, t):
    eps = spec["schedule"]["eps"]
    if spec["schedule"]["type"] == "cosine":
        return (1 - eps) * (1 - math.cos((math.pi * t) / 2))
    return (1 - eps) * t


def reveal_probability(spec, t, s):
    mt = move_chance(spec, t)
    return (mt - move_chance(spec, s)) / mt


def cond_value(spec, t):
    eps, kind = spec["schedule"]["eps"], spec["condKind"]
    if kind == "sigma":
        if spec["schedule"]["type"] == "cosine":
            return -math.log(eps + (1 - eps) * math.cos((math.pi * t) / 2))
        return -math.log1p(-(1 - eps) * t)
    if kind == "t_x1000":
        return 1000 * t
    if kind == "t":
        return t
    return 0.0


# --- revealSchedule.ts --------------------------------------------------------------------------

def revealed_by(schedule, n, i, steps):
    """Tokens of n revealed by local step i of `steps`; n at the last step."""
    if i >= steps:
        return n
    if schedule == "linear":
        return (n * i + steps - 1) // steps
    return min(n, math.floor(n * (1 - math.cos((math.pi * i) / (2 * steps))) + 0.5))


# --- distribution.ts ----------------------------------------------------------------------------

class PositionStats:
    """`banned` (-1 for none) is left out like the mask."""

    def __init__(self, logits, offset, vocab, mask_id, banned=-1):
        best, max_logit, second = -1, -math.inf, -math.inf
        for v in range(vocab):
            if v == mask_id or v == banned:
                continue
            logit = logits[offset + v]
            if logit > max_logit:
                second, max_logit, best = max_logit, logit, v
            elif logit > second:
                second = logit
        sum_exp = 0.0
        weighted = 0.0
        for v in range(vocab):
            if v == mask_id or v == banned:
                continue
            shifted = logits[offset + v] - max_logit
            e = math.exp(shifted)
            sum_exp += e
            if e > 0:
                weighted += e * shifted
        self.banned = banned
        self.best = best
        self.max_logit = max_logit
        self.sum_exp = sum_exp
        self.max_prob = 1 / sum_exp
        self.margin = (1 - math.exp(second - max_logit)) / sum_exp
        self.neg_entropy = weighted / sum_exp - math.log(sum_exp)


def probability_of(logits, offset, token, stats):
    return math.exp(logits[offset + token] - stats.max_logit) / stats.sum_exp


# --- tokenSampler.ts ----------------------------------------------------------------------------

def _ranked(weights):
    ids = [v for v, w in enumerate(weights) if w > 0]
    return sorted(ids, key=lambda v: (-weights[v], v))


def _sum_in_id_order(weights):
    total = 0.0
    for w in weights:
        total += w
    return total


def draw_token(logits, offset, stats, u, vocab, mask_id, temperature, top_k, top_p):
    """Inverse-CDF draw from the tempered, top-k then top-p truncated distribution."""
    weights = [0.0 if v in (mask_id, stats.banned) else math.exp((logits[offset + v] - stats.max_logit) / temperature)
               for v in range(vocab)]
    if 0 < top_k < vocab:
        for v in _ranked(weights)[top_k:]:
            weights[v] = 0.0
    if top_p < 1:
        ranked = _ranked(weights)
        needed = top_p * _sum_in_id_order(weights)
        running, kept = 0.0, 0
        while kept < len(ranked) and running < needed:
            running += weights[ranked[kept]]
            kept += 1
        for v in ranked[max(kept, 1):]:
            weights[v] = 0.0
    target = u * _sum_in_id_order(weights)
    running, last_positive = 0.0, stats.best
    for v, w in enumerate(weights):
        if w <= 0:
            continue
        running += w
        last_positive = v
        if running > target:
            return v
    return last_positive


# --- blockPlan.ts -------------------------------------------------------------------------------

class RowPlan:
    def __init__(self, masked_positions, block_size, steps):
        self.blocks, self.block_steps = [], []
        if masked_positions:
            size = block_size or len(masked_positions)
            self.blocks = [masked_positions[i:i + size] for i in range(0, len(masked_positions), size)]
            base, extra = divmod(steps, len(self.blocks))
            self.block_steps = [max(1, base + (1 if j < extra else 0)) for j in range(len(self.blocks))]
        self.block, self.spent = 0, 0

    @property
    def budget(self):
        return sum(self.block_steps)

    @property
    def done(self):
        return self.block >= len(self.blocks)

    @property
    def positions(self):
        return self.blocks[self.block]

    @property
    def local_step(self):
        return self.spent + 1

    @property
    def step_count(self):
        return self.block_steps[self.block]

    @property
    def is_last_local_step(self):
        return self.local_step >= self.step_count

    def advance(self, state, row):
        self.spent += 1
        while not self.done and all(not state.is_masked(row, p) for p in self.positions):
            self.block += 1
            self.spent = 0


# --- canvasState.ts -----------------------------------------------------------------------------

class CanvasState:
    def __init__(self, tokens, batch, length, mask_id):
        self.tokens, self.batch, self.length, self.mask_id = list(tokens), batch, length, mask_id
        self.confidence = [math.nan if t == mask_id else 1.0 for t in tokens]
        self.reveal_step = [-1] * len(tokens)
        self.masked = sum(1 for t in tokens if t == mask_id)
        # the last position of each input-masked position's hole (maximal run of masks); -1 for context
        self.hole_ends = [-1] * len(tokens)
        for i in reversed(range(len(tokens))):
            if tokens[i] == mask_id:
                run_goes_on = (i + 1) % length != 0 and tokens[i + 1] == mask_id
                self.hole_ends[i] = self.hole_ends[i + 1] if run_goes_on else i % length

    def is_masked(self, row, position):
        return self.tokens[row * self.length + position] == self.mask_id

    def token_at(self, row, position):
        return self.tokens[row * self.length + position]

    def hole_end(self, row, position):
        return self.hole_ends[row * self.length + position]

    def masked_positions(self, row):
        return [p for p in range(self.length) if self.is_masked(row, p)]

    def reveal(self, row, position, token, confidence, step):
        i = row * self.length + position
        self.tokens[i], self.confidence[i], self.reveal_step[i] = token, confidence, step
        self.masked -= 1


# --- denoiseCall.ts -----------------------------------------------------------------------------

class QueriedLogits:
    def __init__(self, denoise, spec, state, cond):
        rows = [state.masked_positions(b) for b in range(state.batch)]
        self.queries = max([1] + [len(r) for r in rows])
        positions = []
        self.query_index = {}
        for b, row in enumerate(rows):
            positions += [row[min(q, len(row) - 1)] if row else 0 for q in range(self.queries)]
            for q, p in enumerate(row):
                self.query_index[(b, p)] = q
        self.vocab = spec["vocabSize"]
        self.logits = denoise(list(state.tokens), state.batch, state.length, positions, self.queries, cond)

    def offset(self, row, position):
        return (row * self.queries + self.query_index[(row, position)]) * self.vocab


# --- reveal.ts and sample.ts --------------------------------------------------------------------

class _Run:
    def __init__(self, denoise, spec, options, state):
        self.denoise, self.spec, self.options, self.state = denoise, spec, options, state
        self.rng = Rng(options["seed"])
        self.cached, self.masked_at_call, self.nfe = None, -1, 0
        self.time_conditioned = spec["condKind"] != "none"
        self.step = 0

    def refresh(self, times):
        cond = [cond_value(self.spec, t) for t in times] if self.time_conditioned else None
        self.cached = QueriedLogits(self.denoise, self.spec, self.state, cond)
        self.masked_at_call = self.state.masked
        self.nfe += 1
        return self.cached

    def is_fresh(self):
        return self.cached is not None and not self.time_conditioned and self.masked_at_call == self.state.masked

    # Pad rules (options padPenalty set), reveal.ts: a revealed pad pads the rest of its hole; a pad
    # never goes before content already revealed later in its hole (the pad id is banned there).

    def banned_at(self, row, position):
        if self.options["padPenalty"] is None:
            return -1
        pad = self.spec["padId"]
        for q in range(position + 1, self.state.hole_end(row, position) + 1):
            if not self.state.is_masked(row, q) and self.state.token_at(row, q) != pad:
                return pad
        return -1

    def stats_at(self, logits, row, position, banned=None):
        if banned is None:
            banned = self.banned_at(row, position)
        return PositionStats(logits.logits, logits.offset(row, position), self.spec["vocabSize"], self.spec["maskId"],
                             banned)

    def place(self, logits, row, position, token, confidence):
        state, pad = self.state, self.spec["padId"]
        state.reveal(row, position, token, confidence, self.step)
        if token != pad or self.options["padPenalty"] is None:
            return
        for q in range(position + 1, state.hole_end(row, position) + 1):
            if state.is_masked(row, q):
                stats = self.stats_at(logits, row, q, -1)
                state.reveal(row, q, pad, probability_of(logits.logits, logits.offset(row, q), pad, stats), self.step)

    def reveal_sampled(self, logits, row, position, stats):
        o = self.options
        offset = logits.offset(row, position)
        if o["temperature"] == 0:
            token = stats.best
        else:
            token = draw_token(logits.logits, offset, stats, self.rng.next_uniform(), self.spec["vocabSize"],
                               self.spec["maskId"], o["temperature"], o["topK"], o["topP"])
        self.place(logits, row, position, token, probability_of(logits.logits, offset, token, stats))

    def reveal_argmax(self, logits, row, position):
        stats = self.stats_at(logits, row, position)
        self.place(logits, row, position, stats.best, stats.max_prob)

    def reveal_ancestral(self, logits, row, plan):
        t = grid_time(plan.local_step - 1, plan.step_count)
        s = grid_time(plan.local_step, plan.step_count)
        chance = reveal_probability(self.spec, t, s)
        for position in plan.positions:
            if not self.state.is_masked(row, position):
                continue
            if self.rng.next_uniform() < chance:
                self.reveal_sampled(logits, row, position, self.stats_at(logits, row, position))

    def score(self, stats):
        strategy = self.options["strategy"]
        if strategy == "margin":
            return stats.margin
        if strategy == "entropy":
            return stats.neg_entropy
        return stats.max_prob

    def reveal_ranked(self, logits, row, plan):
        eligible = [p for p in plan.positions if self.state.is_masked(row, p)]
        stats = [self.stats_at(logits, row, p) for p in eligible]
        revealed = len(plan.positions) - len(eligible)
        scheduled = revealed_by(self.options["schedule"], len(plan.positions), plan.local_step, plan.step_count)
        count = min(len(eligible), max(1, scheduled - revealed))
        penalty = self.options["padPenalty"]
        pad_best = [penalty is not None and s.best == self.spec["padId"] for s in stats]
        scores = [self.score(s) - penalty if pad_best[i] else self.score(s) for i, s in enumerate(stats)]
        order = sorted(range(len(eligible)), key=lambda i: (-scores[i], eligible[i]))
        chosen = set(order[:count])
        threshold = self.options["threshold"]
        if threshold is not None:
            chosen |= {i for i, s in enumerate(stats) if s.max_prob >= threshold and not pad_best[i]}
        for i, position in enumerate(eligible):
            if i in chosen and self.state.is_masked(row, position):
                self.reveal_sampled(logits, row, position, stats[i])


def resolve_options(options):
    resolved = {"threshold": None, "schedule": "linear", "temperature": 1.0, "topK": 0, "topP": 1.0,
                "blockSize": None, "padPenalty": None}
    resolved.update(options)
    if not (isinstance(resolved["steps"], int) and resolved["steps"] >= 1):
        raise SampleError("steps must be an integer >= 1")
    if resolved["threshold"] is not None and resolved["strategy"] == "random":
        raise SampleError("threshold decoding needs a confidence strategy")
    penalty = resolved["padPenalty"]
    if penalty is not None and not (isinstance(penalty, (int, float)) and math.isfinite(penalty) and penalty >= 0):
        raise SampleError("padPenalty must be a finite number >= 0")
    return resolved


def sample(denoise, spec, tokens, batch, length, options, on_step=None):
    """Returns dict(tokens, confidence, revealStep, nfe, steps). `denoise(tokens, batch, length,
    positions, queries, cond)` returns flat logits [batch, queries, vocab]. `on_step(step, state)`
    may return 'stop'."""
    options = resolve_options(options)
    state = CanvasState(tokens, batch, length, spec["maskId"])
    result = lambda nfe, steps: {"tokens": state.tokens, "confidence": state.confidence,  # noqa: E731
                                 "revealStep": state.reveal_step, "nfe": nfe, "steps": steps}
    if state.masked == 0:
        return result(0, 0)
    plans = [RowPlan(state.masked_positions(b), options["blockSize"], options["steps"]) for b in range(batch)]
    total_steps = max(p.budget for p in plans)
    run = _Run(denoise, spec, options, state)
    for step in range(1, total_steps + 1):
        run.step = step
        if run.is_fresh():
            logits = run.cached
        else:
            logits = run.refresh([SAMPLING_EPS if p.done else grid_time(p.local_step - 1, p.step_count)
                                  for p in plans])
        for row, plan in enumerate(plans):
            if plan.done:
                continue
            if options["strategy"] == "random":
                run.reveal_ancestral(logits, row, plan)
            else:
                run.reveal_ranked(logits, row, plan)
        unfinished = [(plan, row) for row, plan in enumerate(plans)
                      if not plan.done and plan.is_last_local_step
                      and any(state.is_masked(row, p) for p in plan.positions)]
        if unfinished:
            fresh = logits if run.is_fresh() else run.refresh([SAMPLING_EPS] * batch)
            for plan, row in unfinished:
                for p in plan.positions:
                    if state.is_masked(row, p):
                        run.reveal_argmax(fresh, row, p)
        for row, plan in enumerate(plans):
            if not plan.done:
                plan.advance(state, row)
        if on_step is not None and on_step(step, state) == "stop":
            for row in range(batch):
                for p in state.masked_positions(row):
                    if state.is_masked(row, p):
                        run.reveal_argmax(run.cached, row, p)
        if state.masked == 0:
            return result(run.nfe, step)
    raise AssertionError("masks left after the full step budget")

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


def move_chance(spec, t, token=-1):
    """1 - α_t; genmd4 is per token."""
    sch = spec["schedule"]
    kind = sch["type"]
    if kind == "loglinear":
        return (1 - sch["eps"]) * t
    if kind == "cosine":
        return (1 - sch["eps"]) * (1 - math.cos((math.pi * t) / 2))
    if kind == "linear":
        return (1 - 2 * sch["eps"]) * t + sch["eps"]
    if kind == "md4_cosine":
        return (1 - 2 * sch["eps"]) * math.cos((math.pi / 2) * (1 - t)) + sch["eps"]
    if kind == "poly":
        return (1 - 2 * sch["eps"]) * t ** sch["exponent"] + sch["eps"]
    if kind == "genmd4":
        return (1 - sch["eps"]) * t ** sch["tokenExponents"][token]
    return -math.expm1(-sigma(spec, t))  # geometric


def reveal_probability(spec, t, s, token=-1):
    mt = move_chance(spec, t, token)
    return (mt - move_chance(spec, s, token)) / mt


def sigma(spec, t):
    sch = spec["schedule"]
    kind = sch["type"]
    if kind == "loglinear":
        return -math.log1p(-(1 - sch["eps"]) * t)
    if kind == "cosine":
        return -math.log(sch["eps"] + (1 - sch["eps"]) * math.cos((math.pi * t) / 2))
    if kind == "geometric":
        return sch["sigmaMin"] ** (1 - t) * sch["sigmaMax"] ** t
    assert kind != "genmd4", "the genmd4 schedule has no single sigma(t)"
    return -math.log1p(-move_chance(spec, t))


def sigma_rate(spec, t):
    sch = spec["schedule"]
    kind = sch["type"]
    if kind == "loglinear":
        return (1 - sch["eps"]) / (1 - (1 - sch["eps"]) * t)
    if kind == "cosine":
        return (((1 - sch["eps"]) * (math.pi / 2) * math.sin((math.pi * t) / 2))
                / (sch["eps"] + (1 - sch["eps"]) * math.cos((math.pi * t) / 2)))
    if kind == "geometric":
        return sigma(spec, t) * (math.log(sch["sigmaMax"]) - math.log(sch["sigmaMin"]))
    if kind == "linear":
        return (1 - 2 * sch["eps"]) / (1 - move_chance(spec, t))
    if kind == "md4_cosine":
        return ((1 - 2 * sch["eps"]) * (math.pi / 2) * math.sin((math.pi / 2) * (1 - t))) / (1 - move_chance(spec, t))
    assert kind == "poly", "the genmd4 schedule has no single sigma(t)"
    return ((1 - 2 * sch["eps"]) * sch["exponent"] * t ** (sch["exponent"] - 1)) / (1 - move_chance(spec, t))


def cond_value(spec, t):
    kind = spec["condKind"]
    if kind == "sigma":
        return sigma(spec, t)
    if kind == "t_x1000":
        return 1000 * t
    if kind == "t":
        return t
    return 0.0


# --- graphKernels.ts ----------------------------------------------------------------------------

def marginal(p_m, n, sig):
    """(m, b, c): q_sigma(. | x0) from a real x0: mask m, x0 c, each other real token b."""
    keep = math.exp(-p_m * sig)
    b = (keep * -math.expm1(-(1 - p_m) * sig)) / n
    return -math.expm1(-p_m * sig), b, keep * math.exp(-(1 - p_m) * sig) + b


def x0_posterior(p, x, mask_id, p_m, sigma_t, sigma_s):
    n = len(p) - 1
    m_t, b_t, c_t = marginal(p_m, n, sigma_t)
    m_s, b_s, c_s = marginal(p_m, n, sigma_s)
    if x == mask_id:
        scale = -math.expm1(-p_m * (sigma_t - sigma_s)) / m_t
        return [m_s / m_t if y == mask_id else scale * (b_s + (c_s - b_s) * p[y]) for y in range(len(p))]
    _, b_d, c_d = marginal(p_m, n, sigma_t - sigma_s)
    total = 0.0
    for v in range(len(p)):
        if v != mask_id:
            total += p[v] / (c_t if v == x else b_t)
    return [0.0 if y == mask_id else (c_d if y == x else b_d) * (b_s * total + (c_s - b_s) * (p[y] / (c_t if y == x else b_t)))
            for y in range(len(p))]


def absorb_x0_posterior(p, mask_id, reveal):
    out = [0.0] * len(p)
    total = 0.0
    for v in range(len(p)):
        if v == mask_id:
            continue
        out[v] = p[v] * reveal(v)
        total += out[v]
    out[mask_id] = max(0.0, 1 - total)
    return out


def x0_scores(p, x, mask_id, p_m, sig):
    m, b, c = marginal(p_m, len(p) - 1, sig)
    out = []
    for y in range(len(p)):
        if y == x:
            out.append(1.0)
        elif y == mask_id:
            out.append(0.0)
        elif x == mask_id:
            out.append(b / m + p[y] * ((c - b) / m))
        else:
            out.append(1 + p[y] * (c / b - 1) + p[x] * (b / c - 1))
    return out


def euler_scores(s, x, mask_id, p_m, rate_step):
    k = rate_step * (p_m if x == mask_id else (1 - p_m) / (len(s) - 1))
    out = [0.0] * len(s)
    moved = 0.0
    for y in range(len(s)):
        if y == x or y == mask_id:
            continue
        out[y] = k * s[y]
        moved += out[y]
    out[x] = max(0.0, 1 - moved)
    return out


def tweedie_scores(s, x, mask_id, delta):
    out = [0.0] * len(s)
    if x == mask_id:
        k = math.expm1(delta)
        total = 0.0
        for y in range(len(s)):
            if y == mask_id:
                continue
            out[y] = k * s[y]
            total += s[y]
        out[mask_id] = max(0.0, 1 - k * total)
        return out
    n = len(s) - 1
    keep = math.exp(-delta)
    move = -math.expm1(-delta) / n
    total = 0.0
    for y in range(len(s)):
        if y != mask_id:
            total += s[y]
    shift = ((keep - 1) / (n * keep)) * total
    for y in range(len(s)):
        if y != mask_id:
            out[y] = max(0.0, (shift + s[y] / keep) * (1 - (n - 1) * move if y == x else move))
    return out


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
    """Over ids [0, ids): the vocabulary, or all of it but its last id (an expand token where a hole may
    not grow, HoleGrowth). `banned` (-1 for none) is left out like the mask."""

    def __init__(self, logits, offset, ids, mask_id, banned=-1):
        best, max_logit, second = -1, -math.inf, -math.inf
        for v in range(ids):
            if v == mask_id or v == banned:
                continue
            logit = logits[offset + v]
            if logit > max_logit:
                second, max_logit, best = max_logit, logit, v
            elif logit > second:
                second = logit
        sum_exp = 0.0
        weighted = 0.0
        for v in range(ids):
            if v == mask_id or v == banned:
                continue
            shifted = logits[offset + v] - max_logit
            e = math.exp(shifted)
            sum_exp += e
            if e > 0:
                weighted += e * shifted
        self.banned = banned
        self.ids = ids
        self.best = best
        self.max_logit = max_logit
        self.sum_exp = sum_exp
        self.max_prob = 1 / sum_exp
        self.margin = (1 - math.exp(second - max_logit)) / sum_exp
        self.neg_entropy = weighted / sum_exp - math.log(sum_exp)


def probability_of(logits, offset, token, stats):
    return math.exp(logits[offset + token] - stats.max_logit) / stats.sum_exp


# --- tokenSampler.ts ----------------------------------------------------------------------------

def _sum_in_id_order(weights):
    total = 0.0
    for w in weights:
        total += w
    return total


def _fill_weights(logits, offset, stats, vocab, mask_id, temperature):
    """Tempered weights (tokenSampler.ts step 1); the ids past stats.ids (a left-out expand token) weigh 0."""
    return [0.0 if v in (mask_id, stats.banned) or v >= stats.ids
            else math.exp((logits[offset + v] - stats.max_logit) / temperature)
            for v in range(vocab)]


def pick_inverse_cdf(weights, u):
    target = u * _sum_in_id_order(weights)
    running, last_positive = 0.0, -1
    for v, w in enumerate(weights):
        if w <= 0:
            continue
        running += w
        last_positive = v
        if running > target:
            return v
    return last_positive


def draw_token(logits, offset, stats, u, vocab, mask_id, temperature):
    """Inverse-CDF draw from the tempered distribution."""
    return pick_inverse_cdf(_fill_weights(logits, offset, stats, vocab, mask_id, temperature), u)


def x0_distribution(logits, offset, stats, vocab, mask_id, temperature):
    """What draw_token samples from, normalised; one-hot at the best id at temperature 0."""
    if temperature == 0:
        return [1.0 if v == stats.best else 0.0 for v in range(vocab)]
    weights = _fill_weights(logits, offset, stats, vocab, mask_id, temperature)
    total = _sum_in_id_order(weights)
    return [w / total for w in weights]


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

    def split(self, position, end):
        """After the slot at `position` split in two (HoleGrowth): its hole's later positions, up to its
        old `end`, move one right, and position + 1 joins position's block."""
        self.blocks = [[moved for q in block
                        for moved in ([q, q + 1] if q == position else [q + 1] if position < q <= end else [q])]
                       for block in self.blocks]

    def advance(self, state, row):
        self.spent += 1
        while not self.done and all(not state.is_pending(row, p) for p in self.positions):
            self.block += 1
            self.spent = 0


# --- canvasState.ts -----------------------------------------------------------------------------

class CanvasState:
    def __init__(self, tokens, batch, length, mask_id, refining):
        self.tokens, self.batch, self.length, self.mask_id = list(tokens), batch, length, mask_id
        self.refining = refining
        self.confidence = [math.nan if t == mask_id else 1.0 for t in tokens]
        self.reveal_step = [-1] * len(tokens)
        self.pending_flags = [t == mask_id for t in tokens]
        self.masked = sum(1 for t in tokens if t == mask_id)
        self.pending = self.masked
        self.version = 0
        # the last position of each input-masked position's hole (maximal run of masks); -1 for context
        self.hole_ends = [-1] * len(tokens)
        for i in reversed(range(len(tokens))):
            if tokens[i] == mask_id:
                run_goes_on = (i + 1) % length != 0 and tokens[i + 1] == mask_id
                self.hole_ends[i] = self.hole_ends[i + 1] if run_goes_on else i % length

    def is_masked(self, row, position):
        return self.tokens[row * self.length + position] == self.mask_id

    def is_pending(self, row, position):
        return self.pending_flags[row * self.length + position]

    def token_at(self, row, position):
        return self.tokens[row * self.length + position]

    def hole_end(self, row, position):
        return self.hole_ends[row * self.length + position]

    def is_hole_start(self, row, position):
        """Whether `position` is the first of its hole (nonEmpty bans the pad there)."""
        i = row * self.length + position
        return position == 0 or self.hole_ends[i - 1] != self.hole_ends[i]

    def masked_positions(self, row):
        return [p for p in range(self.length) if self.is_masked(row, p)]

    def pending_positions(self, row):
        return [p for p in range(self.length) if self.is_pending(row, p)]

    def hole_positions(self):
        """Positions that are a hole in any row: what a context-cached call runs."""
        return [p for p in range(self.length) if any(self.hole_end(b, p) >= 0 for b in range(self.batch))]

    def query_positions(self, row):
        if self.refining:
            return [p for p in range(self.length) if self.hole_end(row, p) >= 0]
        return self.masked_positions(row)

    def fill_holes_with_noise(self, rng, vocab):
        """Uniform prior: each hole position takes the k-th real id, k = floor(u N)."""
        for i, t in enumerate(self.tokens):
            if t != self.mask_id:
                continue
            k = math.floor(rng.next_uniform() * (vocab - 1))
            self.tokens[i] = k if k < self.mask_id else k + 1
            self.reveal_step[i] = 0
            self.masked -= 1

    def reveal(self, row, position, token, confidence, step):
        i = row * self.length + position
        if self.tokens[i] != token:
            if self.tokens[i] == self.mask_id:
                self.masked -= 1
            self.tokens[i], self.reveal_step[i] = token, step
            self.version += 1
        self.confidence[i] = confidence
        if not self.refining:
            self.settle(row, position)

    def settle(self, row, position):
        self.pending_flags[row * self.length + position] = False
        self.pending -= 1

    def split_slot(self, row, position):
        """The revealed slot `position` becomes two masked slots: its hole's later slots move one right,
        over the position after the hole's end (its room: padding), which joins the hole."""
        base = row * self.length
        end = self.hole_ends[base + position]
        start, stop = base + position + 1, base + end + 1
        for values in (self.tokens, self.confidence, self.reveal_step, self.pending_flags):
            values[start + 1:stop + 1] = values[start:stop]
        j = stop
        while j >= base and (j == stop or self.hole_ends[j] == end):
            self.hole_ends[j] = end + 1
            j -= 1
        # the expand token's slot and the new one after it: two more masked, pending slots
        for i in (start - 1, start):
            self.tokens[i], self.confidence[i] = self.mask_id, math.nan
            self.reveal_step[i], self.pending_flags[i] = -1, True
        self.masked += 2
        self.pending += 2
        self.version += 1

    def remask(self, row, position):
        """A revealed hole slot becomes masked and pending again (an expand token its hole has no room for)."""
        i = row * self.length + position
        if self.tokens[i] == self.mask_id:
            return
        self.tokens[i], self.confidence[i], self.reveal_step[i] = self.mask_id, math.nan, -1
        self.masked += 1
        if not self.pending_flags[i]:
            self.pending += 1
        self.pending_flags[i] = True
        self.version += 1


# --- holeGrowth.ts ------------------------------------------------------------------------------

class HoleGrowth:
    """Holes that grow where the model reveals its expand token (spec expandId, the last id), into their
    room: the pads right after each hole in the input canvas. Draws no uniform."""

    def __init__(self, state, expand_id, pad_id):
        self.state, self.expand_id = state, expand_id
        length = state.length
        # room: at each hole's last position, the pad slots after it not yet taken
        self.room = [0] * (state.batch * length)
        # open: per row, whether it may grow in the step it takes (not its block's last step)
        self.open = [False] * state.batch
        for row in range(state.batch):
            for p in range(length):
                if not state.is_masked(row, p) or state.hole_end(row, p) != p:
                    continue
                q = p + 1
                while q < length and state.token_at(row, q) == pad_id:
                    q += 1
                self.room[row * length + p] = q - p - 1

    @staticmethod
    def create(spec, state):
        return None if spec.get("expandId") is None else HoleGrowth(state, spec["expandId"], spec["padId"])

    def set_open(self, row, is_open):
        self.open[row] = is_open

    def allows(self, row, position):
        """Whether the expand token may be revealed at `position` (a hole position) of `row` now."""
        return self.open[row] and self.room[row * self.state.length + self.state.hole_end(row, position)] > 0

    def fresh_positions(self):
        """What a context-cached call runs: every hole position of any row and the room after it."""
        length = self.state.length
        fresh = set(self.state.hole_positions())
        # each hole's room, kept at its last position (0 elsewhere)
        for i, slots in enumerate(self.room):
            fresh.update(range(i % length + 1, i % length + 1 + slots))
        return sorted(fresh)

    def grow(self, row, plan):
        """After `row`'s reveals of a step: each expand of the block splits, the last first; an expand
        whose hole has no room left is masked again. Whether one split."""
        state = self.state
        expands = [p for p in plan.positions
                   if not state.is_masked(row, p) and state.token_at(row, p) == self.expand_id]
        split = False
        for position in reversed(expands):
            end = state.hole_end(row, position)
            at = row * state.length + end
            if self.room[at] == 0:
                state.remask(row, position)
                continue
            state.split_slot(row, position)
            plan.split(position, end)
            self.room[at + 1] = self.room[at] - 1
            self.room[at] = 0
            split = True
        return split


# --- denoiseCall.ts -----------------------------------------------------------------------------

class QueriedLogits:
    def __init__(self, denoise, spec, state, cond, cache=None):
        """cache: the ContextCacheRequest dict (fill, refresh, fresh) of a context-cached call, passed
        to denoise as the keyword `cache`; a row with no query repeats its first fresh position then."""
        rows = [state.query_positions(b) for b in range(state.batch)]
        self.queries = max([1] + [len(r) for r in rows])
        filler = cache["fresh"][0] if cache else 0
        positions = []
        self.query_index = {}
        for b, row in enumerate(rows):
            positions += [row[min(q, len(row) - 1)] if row else filler for q in range(self.queries)]
            for q, p in enumerate(row):
                self.query_index[(b, p)] = q
        self.vocab = spec["vocabSize"]
        extra = {"cache": cache} if cache else {}
        self.logits = denoise(list(state.tokens), state.batch, state.length, positions, self.queries, cond, **extra)

    def offset(self, row, position):
        return (row * self.queries + self.query_index[(row, position)]) * self.vocab


# --- reveal.ts and sample.ts --------------------------------------------------------------------

_fills_started = 0


class _Run:
    def __init__(self, denoise, spec, options, state, rng, growth=None):
        global _fills_started
        self.denoise, self.spec, self.options, self.state, self.rng = denoise, spec, options, state, rng
        # growth: a HoleGrowth (expand token, absorb path) or None, where the expand token is never taken
        self.growth = growth
        self.cached, self.cached_times, self.version_at_call, self.nfe = None, [], -1, 0
        # a slot split since the last call has no logits yet
        self.split_since_call = False
        self.time_conditioned = spec["condKind"] != "none"
        self.step = 0
        caching = getattr(denoise, "context_cache", False) and options["cacheRefresh"] > 1
        holes = growth.fresh_positions() if growth is not None else state.hole_positions()
        self.fresh = holes if caching else None
        self.fill = _fills_started
        _fills_started += 1

    def cache_request(self):
        """Call n of the fill (0-based) refreshes the context when n is a multiple of cacheRefresh."""
        if self.fresh is None:
            return None
        return {"fill": self.fill, "refresh": self.nfe % self.options["cacheRefresh"] == 0, "fresh": self.fresh}

    def refresh(self, times):
        cond = [cond_value(self.spec, t) for t in times] if self.time_conditioned else None
        self.cached = QueriedLogits(self.denoise, self.spec, self.state, cond, self.cache_request())
        self.cached_times = times
        self.version_at_call = self.state.version
        self.split_since_call = False
        self.nfe += 1
        return self.cached

    def is_fresh(self):
        return self.cached is not None and not self.time_conditioned and self.version_at_call == self.state.version

    def finish_greedily(self, rows, times):
        """The anytime finish: every pending position of `rows` greedily from the last call's logits, or
        a new call's (at `times`) where a slot split since; the expand token is never taken."""
        if self.split_since_call:
            self.refresh(times)
        growth, self.growth = self.growth, None
        for row in rows:
            settle_positions(self, self.cached, row, self.state.pending_positions(row), self.cached_times[row], True)
        self.growth = growth

    # Pad rules (options padPenalty set, absorb graph), step/padRules.ts: a revealed pad pads the rest of its
    # hole; a pad never goes before content already revealed later in its hole (the pad id is banned there).

    def pad_rules_on(self):
        return self.options["padPenalty"] is not None and self.spec["graph"] == "absorb"

    def banned_at(self, row, position):
        if not self.pad_rules_on():
            return -1
        pad = self.spec["padId"]
        if self.options["nonEmpty"] and self.state.is_hole_start(row, position):
            return pad
        for q in range(position + 1, self.state.hole_end(row, position) + 1):
            if not self.state.is_masked(row, q) and self.state.token_at(row, q) != pad:
                return pad
        return -1

    def distribution_ids(self, row, position):
        """holeGrowth.ts distributionIds: the whole vocabulary, but without the expand token (the last id)
        unless its hole may grow now."""
        vocab = self.spec["vocabSize"]
        if self.spec.get("expandId") is None or (self.growth is not None and self.growth.allows(row, position)):
            return vocab
        return vocab - 1

    def stats_at(self, logits, row, position, banned=None):
        if banned is None:
            banned = self.banned_at(row, position)
        return PositionStats(logits.logits, logits.offset(row, position), self.distribution_ids(row, position),
                             self.spec["maskId"], banned)

    def place(self, logits, row, position, token, confidence):
        state, pad = self.state, self.spec["padId"]
        state.reveal(row, position, token, confidence, self.step)
        if token != pad or not self.pad_rules_on():
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
                               self.spec["maskId"], o["temperature"])
        self.place(logits, row, position, token, probability_of(logits.logits, offset, token, stats))

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


# --- transition.ts ------------------------------------------------------------------------------

def mask_share(spec):
    if spec["graph"] == "absorb":
        return 1.0
    return 0.0 if spec["graph"] == "uniform" else spec["pM"]


def uses_kernels(spec, options):
    if spec["graph"] != "absorb":
        return True
    return options["strategy"] == "random" and (spec["outputKind"] == "log_score" or options["kernel"] == "euler"
                                                 or spec["schedule"]["type"] == "genmd4")


def real_total(weights, mask_id):
    total = 0.0
    for v in range(len(weights)):
        if v != mask_id:
            total += weights[v]
    return total


def ban_from_step(weights, banned, mask_id):
    """transition.ts banFromStep: the other real tokens take the banned id's share."""
    total = real_total(weights, mask_id)
    rest = total - weights[banned]
    weights[banned] = 0.0
    if not rest > 0:
        return
    scale = total / rest
    for v in range(len(weights)):
        if v != mask_id:
            weights[v] = weights[v] * scale


def scores_of(logits, offset, x, mask_id, vocab):
    return [1.0 if v == x else 0.0 if v == mask_id else math.exp(logits[offset + v]) for v in range(vocab)]


class _KernelRun(_Run):
    def _x0(self, logits, offset, stats):
        o, spec = self.options, self.spec
        return x0_distribution(logits.logits, offset, stats, spec["vocabSize"], spec["maskId"], o["temperature"])

    def kernel_step(self, logits, row, position, t, s):
        spec, o = self.spec, self.options
        mask_id, vocab = spec["maskId"], spec["vocabSize"]
        x = self.state.token_at(row, position)
        offset = logits.offset(row, position)
        p_m = mask_share(spec)
        stats = None
        if spec["outputKind"] == "log_score":
            scores = scores_of(logits.logits, offset, x, mask_id, vocab)
            if o["kernel"] == "euler":
                out = euler_scores(scores, x, mask_id, p_m, (t - s) * sigma_rate(spec, t))
            else:
                out = tweedie_scores(scores, x, mask_id, sigma(spec, t) - sigma(spec, s))
            banned = self.banned_at(row, position)
            if banned >= 0:
                ban_from_step(out, banned, mask_id)
        else:
            stats = self.stats_at(logits, row, position)
            p = self._x0(logits, offset, stats)
            if o["kernel"] == "euler":
                scores = x0_scores(p, x, mask_id, p_m, sigma(spec, t))
                out = euler_scores(scores, x, mask_id, p_m, (t - s) * sigma_rate(spec, t))
            elif spec["graph"] == "absorb":
                out = absorb_x0_posterior(p, mask_id, lambda v: reveal_probability(spec, t, s, v))
            else:
                out = x0_posterior(p, x, mask_id, p_m, sigma(spec, t), sigma(spec, s))
        token = pick_inverse_cdf(out, self.rng.next_uniform())
        if token == mask_id:
            return
        if stats is not None:
            confidence = probability_of(logits.logits, offset, token, stats)
        else:
            confidence = out[token] / real_total(out, mask_id)
        self.place(logits, row, position, token, confidence)

    def kernel_row(self, logits, row, plan):
        t = grid_time(plan.local_step - 1, plan.step_count)
        s = grid_time(plan.local_step, plan.step_count)
        ranked = self.options["strategy"] != "random"
        for position in plan.positions:
            move = (not ranked) if self.state.is_masked(row, position) else self.state.is_pending(row, position)
            if move:
                self.kernel_step(logits, row, position, t, s)
        if ranked:
            self.reveal_ranked(logits, row, plan)

    def final_distribution(self, logits, row, position, t, banned):
        spec = self.spec
        rows, offset = logits.logits, logits.offset(row, position)
        if spec["outputKind"] == "log_score" and spec["graph"] == "uniform":
            x = self.state.token_at(row, position)
            weights = tweedie_scores(scores_of(rows, offset, x, spec["maskId"], spec["vocabSize"]), x, spec["maskId"],
                                     sigma(spec, t))
            rows, offset = [math.log(w) if w > 0 else -math.inf for w in weights], 0
            return rows, offset, PositionStats(rows, offset, spec["vocabSize"], spec["maskId"], banned)
        return rows, offset, self.stats_at(logits, row, position, banned)


def settle_positions(run, logits, row, positions, t, greedy):
    """transition.ts settlePositions (also the absorb path's noise removal and anytime stop)."""
    state, o, spec = run.state, run.options, run.spec
    refining = spec["graph"] != "absorb"
    for position in positions:
        if not state.is_pending(row, position):
            continue
        rows, offset, stats = run.final_distribution(logits, row, position, t, run.banned_at(row, position))
        if greedy or o["temperature"] == 0:
            token = stats.best
        else:
            token = draw_token(rows, offset, stats, run.rng.next_uniform(), spec["vocabSize"], spec["maskId"],
                               o["temperature"])
        run.place(logits, row, position, token, probability_of(rows, offset, token, stats))
        if refining:
            state.settle(row, position)
    if not refining or o["padPenalty"] is None:
        return
    pad, padded_until = spec["padId"], -1
    for position in positions:
        if position > padded_until:
            if state.token_at(row, position) == pad:
                padded_until = state.hole_end(row, position)
        elif state.token_at(row, position) != pad:
            rows, offset, stats = run.final_distribution(logits, row, position, t, -1)
            state.reveal(row, position, pad, probability_of(rows, offset, pad, stats), run.step)


def validate_spec(spec):
    graph, sch, p_m = spec["graph"], spec["schedule"], spec.get("pM")
    if graph not in ("absorb", "uniform", "roulette"):
        raise SampleError(f"unsupported graph {graph}")
    if (not (p_m is not None and 0 < p_m < 1)) if graph == "roulette" else p_m is not None:
        raise SampleError("pM must be in (0, 1) for the roulette graph and absent otherwise")
    if spec["outputKind"] == "log_score" and graph == "roulette":
        raise SampleError("log-score models run on the absorb or uniform graph")
    if sch["type"] == "genmd4" and (graph != "absorb" or spec["condKind"] == "sigma"):
        raise SampleError("the genmd4 schedule needs the absorb graph and no sigma conditioning")
    expand_id = spec.get("expandId")
    if expand_id is not None and (graph != "absorb" or spec["outputKind"] != "x0_logits"
                                  or expand_id != spec["vocabSize"] - 1
                                  or expand_id in (spec["maskId"], spec["padId"], spec["eosId"])):
        raise SampleError("an expand token needs the absorb graph, x0 logits and the last id, no other special id")


def resolve_options(spec, options):
    resolved = {"threshold": None, "schedule": "linear", "temperature": 1.0,
                "blockSize": None, "padPenalty": None, "nonEmpty": False, "kernel": "analytic",
                "cacheRefresh": 1}
    resolved.update(options)
    if not (isinstance(resolved["cacheRefresh"], int) and resolved["cacheRefresh"] >= 1):
        raise SampleError("cacheRefresh must be an integer >= 1")
    if not (isinstance(resolved["steps"], int) and resolved["steps"] >= 1):
        raise SampleError("steps must be an integer >= 1")
    if resolved["threshold"] is not None and resolved["strategy"] == "random":
        raise SampleError("threshold decoding needs a confidence strategy")
    penalty = resolved["padPenalty"]
    if penalty is not None and not (isinstance(penalty, (int, float)) and math.isfinite(penalty) and penalty >= 0):
        raise SampleError("padPenalty must be a finite number >= 0")
    if resolved["kernel"] not in ("analytic", "euler"):
        raise SampleError("kernel must be analytic or euler")
    if resolved["kernel"] == "euler" and spec["schedule"]["type"] == "genmd4":
        raise SampleError("the genmd4 schedule needs kernel analytic")
    if spec["graph"] == "uniform" and resolved["strategy"] != "random":
        raise SampleError("the uniform graph takes the random strategy only")
    if spec["graph"] != "absorb" and resolved["blockSize"] is not None:
        raise SampleError("blockSize needs the absorb graph")
    return resolved


def sample(denoise, spec, tokens, batch, length, options, on_step=None):
    """Returns dict(tokens, confidence, revealStep, nfe, steps). `denoise(tokens, batch, length,
    positions, queries, cond)` returns flat logits [batch, queries, vocab] (the sphere graph, sphere.py:
    with the state as a seventh argument). `on_step(step, state)`
    may return 'stop'. sample.ts documents the algorithm."""
    if spec["graph"] == "sphere":
        from sphere import sample_sphere
        return sample_sphere(denoise, spec, tokens, batch, length, options, on_step, Rng(options["seed"]))
    validate_spec(spec)
    options = resolve_options(spec, options)
    state = CanvasState(tokens, batch, length, spec["maskId"], spec["graph"] != "absorb")
    result = lambda nfe, steps: {"tokens": state.tokens, "confidence": state.confidence,  # noqa: E731
                                 "revealStep": state.reveal_step, "nfe": nfe, "steps": steps}
    if state.pending == 0:
        return result(0, 0)
    plans = [RowPlan(state.pending_positions(b), options["blockSize"], options["steps"]) for b in range(batch)]
    total_steps = max(p.budget for p in plans)
    kernels = uses_kernels(spec, options)
    # a model with an expand token grows its holes on the absorb path (the kernel path never takes the token)
    growth = None if kernels else HoleGrowth.create(spec, state)
    rng = Rng(options["seed"])
    if spec["graph"] == "uniform":
        state.fill_holes_with_noise(rng, spec["vocabSize"])
    run = _KernelRun(denoise, spec, options, state, rng, growth)

    def row_time(plan):
        return SAMPLING_EPS if plan.done else grid_time(plan.local_step - 1, plan.step_count)

    for step in range(1, total_steps + 1):
        run.step = step
        logits = run.cached if run.is_fresh() else run.refresh([row_time(p) for p in plans])
        for row, plan in enumerate(plans):
            if plan.done:
                continue
            if not kernels:
                if growth is not None:
                    # a split slot needs a step to be filled: no growth at the block's last step
                    growth.set_open(row, not plan.is_last_local_step)
                if options["strategy"] == "random":
                    run.reveal_ancestral(logits, row, plan)
                else:
                    run.reveal_ranked(logits, row, plan)
                if growth is not None and growth.grow(row, plan):
                    run.split_since_call = True
            elif plan.is_last_local_step:
                settle_positions(run, logits, row, plan.positions, row_time(plan), False)
            else:
                run.kernel_row(logits, row, plan)
        unfinished = [(plan, row) for row, plan in enumerate(plans)
                      if not plan.done and plan.is_last_local_step
                      and any(state.is_pending(row, p) for p in plan.positions)]
        if unfinished:
            fresh = logits if run.is_fresh() else run.refresh([SAMPLING_EPS] * batch)
            for plan, row in unfinished:
                settle_positions(run, fresh, row, plan.positions, SAMPLING_EPS, True)
        for row, plan in enumerate(plans):
            if not plan.done:
                plan.advance(state, row)
        if on_step is not None and on_step(step, state) == "stop":
            run.finish_greedily(range(batch), [row_time(p) for p in plans])
        if state.pending == 0:
            return result(run.nfe, step)
    raise AssertionError("positions left pending after the full step budget")

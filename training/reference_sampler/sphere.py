"""Plain-Python reference of the sphere graph's sampler (`src/sampler/sphere/sphereSample.ts` and
`math/sphereGeometry.ts`): RDLM's geodesic random walk, the same float64 operations in the same order.
sphereSample.ts documents the algorithm; the comments here name what each piece mirrors.
"""

import math

SMALL = 1e-4
CLIP = 1e-6


# --- sphereGeometry.ts --------------------------------------------------------------------------

def _dot(a, ao, b, bo, n):
    total = 0.0
    for i in range(n):
        total += a[ao + i] * b[bo + i]
    return total


def to_tangent(x, xo, v, n):
    along = _dot(x, xo, v, 0, n)
    for i in range(n):
        v[i] = v[i] - along * x[xo + i]


def exp_map(x, xo, v, n):
    norm = math.sqrt(_dot(v, 0, v, 0, n))
    sinc = 1 - norm * norm / 6 if norm < SMALL else math.sin(norm) / norm
    cos = math.cos(norm)
    for i in range(n):
        x[xo + i] = cos * x[xo + i] + sinc * v[i]
    length = math.sqrt(_dot(x, xo, x, xo, n))
    for i in range(n):
        x[xo + i] = x[xo + i] / length


def vertex_pull(x, xo, probs, n):
    out = [0.0] * n
    along = 0.0
    for j in range(len(probs)):
        cos = min(1 - CLIP, max(-1 + CLIP, x[xo + j]))
        theta = math.acos(cos)
        weight = probs[j] * (1 + theta * theta / 6 if theta < SMALL else theta / math.sin(theta))
        out[j] = weight
        along += weight * cos
    for i in range(n):
        out[i] = out[i] - along * x[xo + i]
    return out


def next_normal(rng):
    u1 = rng.next_uniform()
    u2 = rng.next_uniform()
    return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)


# --- noiseSchedule.ts ---------------------------------------------------------------------------

def bridge_beta(sch, t):
    return sch["beta0"] ** (1 - t) * sch["betaF"] ** t


def bridge_gamma(sch, t):
    log_ratio = math.log(sch["betaF"] / sch["beta0"])
    return log_ratio / math.expm1((1 - t) * log_ratio)


# --- sphereSample.ts ----------------------------------------------------------------------------

def digit_of(token, d, layout):
    return (token // layout["base"] ** (layout["digits"] - 1 - d)) % layout["base"]


def digit_probs(logits, offset, k):
    top = -math.inf
    for j in range(k):
        top = max(top, logits[offset + j])
    out = [math.exp(logits[offset + j] - top) for j in range(k)]
    total = 0.0
    for j in range(k):
        total += out[j]
    return [p / total for p in out]


def initial_state(spec, tokens, uniform_start):
    layout = spec["sphere"]
    base, digits = layout["base"], layout["digits"]
    coords = base + 1
    state = [0.0] * (len(tokens) * digits * coords)
    for i, token in enumerate(tokens):
        for d in range(digits):
            o = (i * digits + d) * coords
            if token != spec["maskId"]:
                state[o + digit_of(token, d, layout)] = 1.0
            elif uniform_start:
                for c in range(coords):
                    state[o + c] = 1 / math.sqrt(coords)
            else:
                state[o + base] = 1.0
    return state


def decode_token(spec, layout, state, offset):
    base, digits = layout["base"], layout["digits"]
    coords = base + 1
    token = 0
    for d in range(digits):
        best = 0
        for j in range(1, base):
            if state[offset + d * coords + j] > state[offset + d * coords + best]:
                best = j
        token = token * base + best
    if token < spec["vocabSize"] and token != spec["maskId"]:
        return token
    best_id, best_score = -1, -math.inf
    for v in range(spec["vocabSize"]):
        if v == spec["maskId"]:
            continue
        score = 0.0
        for d in range(digits):
            o = offset + d * coords
            total = 0.0
            for j in range(base):
                total += max(state[o + j], 0.0) ** 2
            p = max(state[o + digit_of(v, d, layout)], 0.0) ** 2 / total if total > 0 else 1 / base
            score += math.log(p) if p > 0 else -math.inf
        if best_id < 0 or score > best_score:
            best_id, best_score = v, score
    return best_id


def token_probability(layout, logits, offset, token):
    product = 1.0
    for d in range(layout["digits"]):
        product *= digit_probs(logits, offset + d * layout["base"], layout["base"])[digit_of(token, d, layout)]
    return product


def sample_sphere(denoise, spec, tokens, batch, length, options, on_step=None, rng=None):
    """`denoise(tokens, batch, length, positions, queries, cond, state)` returns flat logits
    [batch, queries, digits * base]; `state` is the float32-rounded state (a list)."""
    from fake_denoiser import f32
    layout, sch = spec["sphere"], spec["schedule"]
    base, digits = layout["base"], layout["digits"]
    coords = base + 1
    stride = digits * coords
    width = digits * base
    holes = [[p for p in range(length) if tokens[b * length + p] == spec["maskId"]] for b in range(batch)]
    out = list(tokens)
    confidence = [math.nan if t == spec["maskId"] else 1.0 for t in tokens]
    reveal_step = [-1] * len(tokens)
    if all(not row for row in holes):
        return {"tokens": out, "confidence": confidence, "revealStep": reveal_step, "nfe": 0, "steps": 0}
    state = initial_state(spec, tokens, sch["stepThr"] > 0)
    queries = max(len(row) for row in holes)
    positions = []
    for row in holes:
        positions += [row[min(q, len(row) - 1)] if row else 0 for q in range(queries)]
    dt = (1 - sch["endEps"]) / options["steps"]
    step = 0
    while step < options["steps"]:
        t = (step * (1 - sch["endEps"])) / options["steps"]
        logits = denoise(tokens, batch, length, positions, queries, [f32(t)] * batch, [f32(x) for x in state])
        noise_scale = math.sqrt(bridge_beta(sch, t) * dt)
        drift_scale = bridge_gamma(sch, t) * dt
        for b, row in enumerate(holes):
            for q, position in enumerate(row):
                for d in range(digits):
                    xo = (b * length + position) * stride + d * coords
                    probs = digit_probs(logits, (b * queries + q) * width + d * base, base)
                    pull = vertex_pull(state, xo, probs, coords)
                    to_tangent(state, xo, pull, coords)
                    noise = [next_normal(rng) for _ in range(coords)]
                    to_tangent(state, xo, noise, coords)
                    noise = [noise_scale * noise[i] + drift_scale * pull[i] for i in range(coords)]
                    exp_map(state, xo, noise, coords)
        step += 1
        for b, row in enumerate(holes):
            for q, position in enumerate(row):
                i = b * length + position
                token = decode_token(spec, layout, state, i * stride)
                if token != out[i]:
                    out[i], reveal_step[i] = token, step
                confidence[i] = token_probability(layout, logits, (b * queries + q) * width, token)
        if on_step is not None and on_step(step, None) == "stop":
            break
    return {"tokens": out, "confidence": confidence, "revealStep": reveal_step, "nfe": step, "steps": step}

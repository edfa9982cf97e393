"""Autoregressive baseline: the same backbone with causal attention (ModelConfig.causal=True),
trained on the same plain windows, so diffusion perplexity can be reported as a ratio to AR."""
import torch
import torch.nn.functional as F


def ar_loss(model, x):
    """Next-token cross-entropy, mean over the L-1 predicted positions of each window."""
    h = model.hidden(x[:, :-1])                                   # [B, L-1, D]
    logits = model.head(h)                                        # [B, L-1, V] fp32
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))


@torch.no_grad()
def nll_per_token(model, windows, batch_size=64):
    """Held-out next-token NLL (nats/token) over windows [N, L]."""
    total, count = 0.0, 0
    for i in range(0, windows.shape[0], batch_size):
        x = windows[i:i + batch_size]
        logits = model.head(model.hidden(x[:, :-1]))
        nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1), reduction="sum")
        total += float(nll)
        count += x[:, 1:].numel()
    return total / max(1, count)

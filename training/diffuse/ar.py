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
    """Held-out NLL (nats/token) of every token of windows [N, L], as the diffusion bounds it is
    compared with count them: each next token under the model, and each window's first token, which
    the model never predicts (nothing comes before it), at the windows' own unigram frequencies. A
    mean over the L-1 predicted tokens alone left out the hardest token of every window: about 0.02
    nats a token in AR's favour at L = 256. The unigram is fitted on the windows it scores, so it is
    a little optimistic, which errs in AR's favour still, by far less."""
    counts = torch.bincount(windows.reshape(-1), minlength=model.cfg.vocab_size).double()
    first = -float(torch.log(counts / counts.sum())[windows[:, 0]].sum())
    total = first
    for i in range(0, windows.shape[0], batch_size):
        x = windows[i:i + batch_size]
        logits = model.head(model.hidden(x[:, :-1]))
        total += float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), x[:, 1:].reshape(-1), reduction="sum"))
    return total / max(1, windows.numel())

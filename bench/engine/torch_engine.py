"""The workloads of bench/engine/main.go in PyTorch (same shapes, same
optimizers, no dropout), two threads. Prints one JSON line like the Go
program: tokens/s for forward + backward + optimizer step and peak RSS.

usage: torch_engine.py w1|w2|w3 [warmup steps seconds] [label]
"""
import json
import math
import resource
import sys
import time

import torch
import torch.nn as nn

torch.set_num_threads(2)
torch.manual_seed(1)


class LSTMLM(nn.Module):  # W1
    V, D, L, B, T = 10000, 200, 2, 20, 35

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(self.V, self.D)
        self.lstm = nn.LSTM(self.D, self.D, self.L, batch_first=True)
        self.out = nn.Linear(self.D, self.V)

    def forward(self, ids, state):
        y, state = self.lstm(self.emb(ids), state)
        return self.out(y), state


class RNNClassifier(nn.Module):  # W2
    V, D, B, T = 20000, 64, 32, 200

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(self.V, self.D, padding_idx=0)
        self.rnn = nn.RNN(self.D, self.D, 2, nonlinearity="tanh", batch_first=True)
        self.out = nn.Linear(self.D, 1)

    def forward(self, ids):
        _, h = self.rnn(self.emb(ids))
        return self.out(h[-1]).squeeze(1)


class TransformerLM(nn.Module):  # W3
    V, D, L, H, T, B = 8000, 256, 4, 4, 128, 16

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(self.V, self.D)
        self.pos = nn.Parameter(torch.randn(self.T, self.D) * 0.02)
        self.blocks = nn.ModuleList(
            nn.TransformerEncoderLayer(self.D, self.H, 4 * self.D, dropout=0.0, activation="gelu",
                                       batch_first=True, norm_first=True)
            for _ in range(self.L))
        self.ln = nn.LayerNorm(self.D)
        self.out = nn.Linear(self.D, self.V)
        self.register_buffer("mask", torch.triu(torch.full((self.T, self.T), float("-inf")), diagonal=1))

    def forward(self, ids):
        x = self.emb(ids) + self.pos
        for b in self.blocks:
            x = b(x, src_mask=self.mask)
        return self.out(self.ln(x))


def make(name):
    g = torch.Generator().manual_seed(1)
    if name == "w1":
        m = LSTMLM()
        B, T, V = m.B, m.T, m.V
        opt = torch.optim.SGD(m.parameters(), lr=1.0)
        ids = torch.randint(0, V, (B, T), generator=g)
        tgt = torch.randint(0, V, (B * T,), generator=g)
        state = [(torch.zeros(m.L, B, m.D), torch.zeros(m.L, B, m.D))]
        lossf = nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            logits, st = m(ids, state[0])
            state[0] = (st[0].detach(), st[1].detach())
            loss = lossf(logits.reshape(-1, V), tgt)
            loss.backward()
            opt.step()
            return loss.item()
        return B * T, step
    if name == "w2":
        m = RNNClassifier()
        B, T, V = m.B, m.T, m.V
        opt = torch.optim.Adam(m.parameters(), lr=1e-3)
        ids = torch.randint(1, V, (B, T), generator=g)
        y = torch.randint(0, 2, (B,), generator=g).float()
        lossf = nn.BCEWithLogitsLoss()

        def step():
            opt.zero_grad()
            loss = lossf(m(ids), y)
            loss.backward()
            opt.step()
            return loss.item()
        return B * T, step
    if name == "w3":
        m = TransformerLM()
        B, T, V = m.B, m.T, m.V
        opt = torch.optim.Adam(m.parameters(), lr=3e-4)
        ids = torch.randint(0, V, (B, T), generator=g)
        tgt = torch.randint(0, V, (B * T,), generator=g)
        lossf = nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            loss = lossf(m(ids).reshape(-1, V), tgt)
            loss.backward()
            opt.step()
            return loss.item()
        return B * T, step
    raise SystemExit("unknown workload %r (want w1, w2 or w3)" % name)


def main():
    name = sys.argv[1]
    warm = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    limit = float(sys.argv[4]) if len(sys.argv) > 4 else 4.0
    label = sys.argv[5] if len(sys.argv) > 5 else "torch"
    tokens, step = make(name)
    first = last = math.nan
    for i in range(warm):
        l = step()
        if i == 0:
            first = l
    cpu0 = time.process_time()
    n, t0 = 0, time.perf_counter()
    while n < steps and (n < 2 or time.perf_counter() - t0 < limit):
        last = step()
        n += 1
    el = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    print(json.dumps({
        "engine": label, "workload": name, "tokens_s": tokens * n / el, "steps": n, "seconds": el, "cpu_s_step": cpu / n,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "loss_first": first, "loss_last": last, "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()

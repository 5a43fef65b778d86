#!/usr/bin/python3
"""Generates torch_trajectories.json: parameter trajectories of torch.optim
SGD / Adam / AdamW on fixed parameters and fixed gradient sequences, and
learning rates of torch's OneCycleLR and StepLR, used as the oracle by
optim's tests. Run with Debian's python3-torch:

    /usr/bin/python3 optim/testdata/gen_torch.py > optim/testdata/torch_trajectories.json
"""
import json
import torch

torch.manual_seed(0)
torch.set_num_threads(1)
STEPS = 8
shapes = [[3, 4], [5]]
init = [torch.randn(*s) for s in shapes]
grads = [[torch.randn(*s) * (1 + k) for s in shapes] for k in range(STEPS)]

cases = [
    ("sgd", dict(lr=0.1), {}),
    ("sgd", dict(lr=0.05, weight_decay=0.01), {}),
    ("sgd", dict(lr=0.1, momentum=0.9), {}),
    ("sgd", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.02), {}),
    ("sgd", dict(lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.01), {}),
    ("adam", dict(lr=0.01), {}),
    ("adam", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-3, weight_decay=0.1), {}),
    ("adamw", dict(lr=0.01, weight_decay=0.1), {}),
    ("adamw", dict(lr=0.05, betas=(0.85, 0.95), eps=1e-6, weight_decay=0.3), {}),
    # Two groups with their own rates; param 1 frozen (no grad) at steps 2 and 3.
    ("adam", dict(lr=0.01), dict(group_lrs=[0.01, 0.01 / 2.6], frozen=[[2, 1], [3, 1]])),
    ("sgd", dict(lr=0.1, momentum=0.9), dict(group_lrs=[0.1, 0.1 / 2.6], frozen=[[0, 1], [4, 0]])),
]

out_cases = []
for kind, kw, extra in cases:
    ps = [torch.nn.Parameter(t.clone()) for t in init]
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[kind]
    if "group_lrs" in extra:
        groups = [{"params": [p], "lr": lr} for p, lr in zip(ps, extra["group_lrs"])]
        opt = cls(groups, **kw)
    else:
        opt = cls(ps, **kw)
    frozen = {tuple(x) for x in extra.get("frozen", [])}
    traj = []
    for k in range(STEPS):
        for i, p in enumerate(ps):
            p.grad = None if (k, i) in frozen else grads[k][i].clone()
        opt.step()
        traj.append([p.detach().reshape(-1).tolist() for p in ps])
    c = {"opt": kind, "traj": traj}
    c.update({k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()})
    c.update(extra)
    out_cases.append(c)


def lrs(make, n):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1.0)
    sch = make(opt)
    res = []
    for _ in range(n):
        res.append(opt.param_groups[0]["lr"])
        opt.step()
        sch.step()
    return res


onecycle = lrs(lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=20, pct_start=0.3,
                                                             div_factor=25.0, final_div_factor=1e4,
                                                             anneal_strategy="cos", cycle_momentum=False), 20)
steplr = lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), 10)

json.dump({
    "torch": torch.__version__,
    "shapes": shapes,
    "init": [t.reshape(-1).tolist() for t in init],
    "grads": [[g.reshape(-1).tolist() for g in gs] for gs in grads],
    "cases": out_cases,
    "onecycle": {"total": 20, "pct_start": 0.3, "div_factor": 25.0, "final_div_factor": 1e4, "lrs": onecycle},
    "steplr": {"step_size": 3, "gamma": 0.5, "lrs": steplr},
}, __import__("sys").stdout)

"""Reference trajectories for the Ranger optimizer test (RangerTest): torch.optim.RAdam (PyTorch 1.13) wrapped in
Lookahead, in float64, on a linear least-squares problem given as JSON.

Usage: /usr/bin/python3 ranger_ref.py INPUT.json
INPUT: {"x": [[...]] (N x D), "y": [...] (N), "w0": [...] (D weights, then the bias), "lr": [...] (one per step), "beta1", "beta2",
        "eps", "k", "alpha"}. Loss: mean((x @ w + b - y)^2) (DL4J's MSE for one output).
Prints one JSON line: {"w": [[w..., b] per step (after the step)], "loss": [... before each step]}, or NO_TORCH.
"""
import json
import sys

try:
    import torch
except ImportError:
    print("NO_TORCH")
    sys.exit(0)


class Lookahead:
    """Zhang et al. 2019 as in Ranger: after every k-th inner step, slow += alpha (fast - slow); fast = slow."""

    def __init__(self, inner, k=6, alpha=0.5):
        self.inner, self.k, self.alpha, self.steps = inner, k, alpha, 0
        self.params = [p for g in inner.param_groups for p in g["params"]]
        self.slow = [p.detach().clone() for p in self.params]

    def step(self):
        self.inner.step()
        self.steps += 1
        if self.steps % self.k == 0:
            with torch.no_grad():
                for p, s in zip(self.params, self.slow):
                    s.add_(p - s, alpha=self.alpha)
                    p.copy_(s)


def main():
    cfg = json.load(open(sys.argv[1]))
    x = torch.tensor(cfg["x"], dtype=torch.float64)
    y = torch.tensor(cfg["y"], dtype=torch.float64)
    w = torch.nn.Parameter(torch.tensor(cfg["w0"][:-1], dtype=torch.float64))
    b = torch.nn.Parameter(torch.tensor(cfg["w0"][-1:], dtype=torch.float64))
    radam = torch.optim.RAdam([w, b], lr=cfg["lr"][0], betas=(cfg["beta1"], cfg["beta2"]), eps=cfg["eps"],
                              weight_decay=0)
    opt = Lookahead(radam, k=cfg["k"], alpha=cfg["alpha"])
    ws, losses = [], []
    for lr in cfg["lr"]:
        for g in radam.param_groups:
            g["lr"] = lr
        radam.zero_grad()
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        losses.append(loss.item())
        opt.step()
        ws.append(w.detach().tolist() + b.detach().tolist())
    print(json.dumps({"w": ws, "loss": losses}))


if __name__ == "__main__":
    main()

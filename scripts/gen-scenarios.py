#!/usr/bin/env python3
"""Writes scenarios/*.json: the community yuma-simulation's named cases as `agora sim` scenarios.

Each case runs 40 epochs with 3 validators (uids 0-2) and 2 or 3 servers (uids 3-5), in Yuma
classic and Yuma3. The weights per epoch follow the case definitions of bactensor/yuma-simulation
(`cases.py`); stakes are the cases' proportions of 1000 TAO. Every scenario starts with one epoch
so the genesis validators receive their permits, then for each case epoch: move to the next block,
set the three validators' weights (real calls), reset bonds where the case does, run the epoch.

Run from the repository root: python3 scripts/gen-scenarios.py
"""
import json
import os

TAO = 10**9
EPOCHS = 40
U16 = 65535


def w(*row):
    """A validator's weights over servers as (server offset, u16) pairs; zero weights omitted."""
    return [(j, round(x * U16)) for j, x in enumerate(row) if x > 0]


def kappa(first, second, third):
    """Cases 1-3: who moves to server 2 at epochs 1 and 2 (then everyone)."""
    def weights(e):
        if e == 0:
            return [w(1, 0)] * 3
        if e == 1:
            return [w(0, 1) if v in first else w(1, 0) for v in range(3)]
        if e == 2:
            return [w(0, 1) if v in first + second else w(1, 0) for v in range(3)]
        return [w(0, 1)] * 3
    return weights


def one_epoch_switch(e):  # Case 14
    if e == 20:
        return [w(1, 0), w(1, 0), w(0, 1)]
    return [w(1, 0)] * 3


def stable_miner(e):  # Case 16: big vali moves second, stable miner gets 0.5
    if e == 0:
        return [w(0.5, 0, 0.5)] * 3
    if e == 1:
        return [w(0.5, 0, 0.5), w(0, 0.5, 0.5), w(0.5, 0, 0.5)]
    if e == 2:
        return [w(0, 0.5, 0.5), w(0, 0.5, 0.5), w(0.5, 0, 0.5)]
    return [w(0, 0.5, 0.5)] * 3


def bonds_reset(e):  # Case 8: big vali moves late, then late; server 2's bonds reset at epoch 20
    if e == 0:
        return [w(1, 0)] * 3
    if e == 1:
        return [w(1, 0), w(0, 1), w(0, 1)]
    if 2 <= e <= 20:
        return [w(0, 1)] * 3
    if e == 21:
        return [w(0, 1), w(1, 0), w(1, 0)]
    return [w(1, 0)] * 3


def clipping_demo(e):  # Case 11
    if e < 20:
        return [w(0.3, 0.7), w(0.6, 0.4), w(0.61, 0.39)]
    return [w(0.3, 0.7), w(0.6, 0.4), w(0.3, 0.61)]


def merge(e):  # Case 9: everyone on server 2; small validators merge stake at epoch 6
    return [w(0, 1)] * 3


CASES = {
    "kappa_moves_first": dict(weights=kappa([0], [1], []), stakes=(0.8, 0.1, 0.1), servers=2),
    "kappa_moves_second": dict(weights=kappa([1], [0], []), stakes=(0.8, 0.1, 0.1), servers=2),
    "kappa_moves_last": dict(weights=kappa([1], [2], []), stakes=(0.8, 0.1, 0.1), servers=2),
    "one_epoch_switch": dict(weights=one_epoch_switch, stakes=(0.33, 0.33, 0.34), servers=2),
    "stable_miner": dict(weights=stable_miner, stakes=(0.8, 0.1, 0.1), servers=3),
    "bonds_reset": dict(weights=bonds_reset, stakes=(0.8, 0.1, 0.1), servers=2, reset=(20, 1)),
    "clipping_demo": dict(weights=clipping_demo, stakes=(0.49, 0.49, 0.02), servers=2),
    "small_validators_merge": dict(weights=merge, stakes=(0.8, 0.1, 0.1), servers=2, merge_at=6),
}

VARIANTS = {
    "classic": {"yuma3": False},
    "yuma3": {"yuma3": True},
}


def scenario(case, variant):
    stakes = [round(s * 1000) * TAO for s in case["stakes"]]
    n = 3 + case["servers"]
    hyper = {
        "tempo": 1,
        "max_allowed_uids": 8,
        "max_allowed_validators": 8,
        "min_allowed_weights": 0,
        "immunity_period": 0,
        "commit_reveal": False,
        "bonds_reset": "reset" in case,
        **VARIANTS[variant],
    }
    steps = [{"epoch": {}}]
    for e in range(EPOCHS):
        steps.append({"block": 2 + e})
        if case.get("merge_at") == e:
            steps.append({"move_stake": {"from_uid": 2, "to_uid": 1, "amount": stakes[2]}})
        for v, row in enumerate(case["weights"](e)):
            if case.get("merge_at") is not None and v == 2 and e > case["merge_at"]:
                continue  # no stake left, so no permit: the chain would refuse its weights
            steps.append({"set_weights": {"uid": v, "weights": [[3 + j, x] for j, x in row]}})
        if "reset" in case and case["reset"][0] == e:
            steps.append({"reset_bonds": {"uid": 3 + case["reset"][1]}})
        steps.append({"epoch": {}})
    return {
        "hyperparameters": hyper,
        "emission": TAO,
        "neurons": [{"stake": s} for s in stakes] + [{"stake": 0}] * (n - 3),
        "steps": steps,
    }


def main():
    os.makedirs("scenarios", exist_ok=True)
    for name, case in CASES.items():
        for variant in VARIANTS:
            path = f"scenarios/{name}.{variant}.json"
            with open(path, "w") as f:
                json.dump(scenario(case, variant), f, indent=1)
                f.write("\n")
            print("wrote", path)


if __name__ == "__main__":
    main()

# The current SDK (bittensor 11.3.0: namespaces and intents over a Rust codec) against Agora's
# Substrate-compatible endpoint: the conformance script of spec substrate-compat §13 (steps 1-10),
# driven by `crates/cli/tests/it/substrate.rs`.
#   substrate_sdk11.py URL WALLET_PATH NETUID
# Wallets under WALLET_PATH: "sdk11-a" (funded coldkey A, hotkey A_hot not yet registered) and
# "sdk11-b" (coldkey B). Prints one JSON document of what each step returned; the Rust side checks
# it against Agora's own RPC.
import json
import sys

url, path, netuid = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.argv = sys.argv[:1]

import bittensor as bt  # noqa: E402


def result(r):
    error = getattr(r, "error", None)
    return {
        "success": bool(r),
        "message": str(getattr(r, "message", "")),
        "error": getattr(error, "name", None) if error is not None else None,
        "fee_rao": int(getattr(getattr(r, "fee", None), "rao", 0) or 0),
    }


wa = bt.Wallet(name="sdk11-a", hotkey="default", path=path)
wb = bt.Wallet(name="sdk11-b", hotkey="default", path=path)
a, a_hot, b = wa.coldkeypub.ss58_address, wa.hotkey.ss58_address, wb.coldkeypub.ss58_address
out = {"a": a, "a_hot": a_hot, "b": b}
sub = bt.Subtensor(url)
# 1-2: reads.
out["block"] = int(sub.block)
out["spec_version"] = int(sub.spec_version)
out["balance_a_rao"] = int(sub.balances.get(a).rao)
out["subnets"] = sorted(int(getattr(s, "netuid", s)) for s in sub.subnets.all())
out["info_netuid"] = int(sub.subnets.info(netuid).netuid)
hyper = sub.read("subnet_hyperparameters", netuid=netuid)
out["tempo"] = int(hyper["tempo"] if isinstance(hyper, dict) else hyper.tempo)
# 3: register A's hotkey with a raw call (11.x's BurnedRegister intent needs the MEV shield).
call = bt.calls.SubtensorModule.burned_register(netuid=netuid, hotkey=a_hot)
out["burned_register"] = result(sub.submit_call(call, wa))
uid = sub.neurons.uid(a_hot, netuid)
out["uid"] = uid
# 4: the metagraph and the neurons.
mg = sub.subnets.metagraph(netuid)
out["metagraph_hotkeys"] = [n.hotkey for n in mg.neurons]
out["neurons_hotkeys"] = [n.hotkey for n in sub.neurons.all(netuid)]
# 5: transfer 1 TAO A -> B.
before_b = int(sub.balances.get(b).rao)
out["transfer"] = result(sub.execute(bt.Transfer(dest_ss58=b, amount_tao=1), wa))
out["b_gained_rao"] = int(sub.balances.get(b).rao) - before_b
# 6-7: stake 2, unstake 1.
out["add_stake"] = result(sub.execute(bt.AddStake(netuid=netuid, hotkey_ss58=a_hot, amount_tao=2), wa))
out["stake_after_add"] = int(sub.staking.get(a, a_hot, netuid).rao) / 1e9
out["remove_stake"] = result(sub.execute(bt.RemoveStake(netuid=netuid, hotkey_ss58=a_hot, amount_alpha=1), wa))
out["stake_after_remove"] = int(sub.staking.get(a, a_hot, netuid).rao) / 1e9
# 8: serve an axon.
out["serve_axon"] = result(sub.execute(bt.ServeAxon(netuid=netuid, ip="10.0.0.1", port=8091), wa))
# 9: weights.
out["set_weights"] = result(bt.set_weights(netuid, {uid: 1.0}, wallet=wa, network=url))
out["weights_rate_limit"] = int(sub.hyperparameters.weights_rate_limit(netuid))
out["blocks_since_last_update"] = int(sub.epochs.blocks_since_last_update(netuid, uid))
# 10: unstaking more than the stake fails with the reference error name.
out["too_much"] = result(sub.execute(bt.RemoveStake(netuid=netuid, hotkey_ss58=a_hot, amount_alpha=10**6), wa))
print(json.dumps(out, default=str), flush=True)

# The reference SDK (bittensor 10.5.0: async-substrate-interface 2.2.1 + cyscale) against Agora's
# Substrate-compatible endpoint, driven by `crates/cli/tests/it/substrate.rs`.
#   substrate_sdk10.py reads URL SS58 NETUID
#   substrate_sdk10.py sign URL SEED_HEX DEST_SS58
#   substrate_sdk10.py metagraph URL NETUID
#   substrate_sdk10.py writes URL WALLET_PATH NETUID
# `reads` prints one JSON document of what the SDK read (current block, the balance of SS58,
# every netuid, NETUID's tempo, SS58's uid there); the Rust side compares it with Agora's own
# RPC. `sign` prints extrinsics the SDK signs with the key of SEED_HEX (a mortal transfer of
# 1 TAO to DEST_SS58, an immortal one, and a weights call long enough to be signed through its
# hash), without sending them; the Rust side decodes and checks them. `metagraph` prints the
# lite metagraph of NETUID, after `metagraph()` and again after `sync()`. `writes` sends through
# the SDK's public API as a subnet's neurons do, with the wallets under WALLET_PATH: "owner"
# (funded, owns NETUID) funds a new wallet "sdk", which registers, stakes and serves an axon;
# the owner sets weights; "sdk" then sends a transfer beyond its balance. It prints each
# response's success, message and error name.
import json
import sys

mode, url, arg, extra = (sys.argv[1:] + [""])[:4]
# bittensor parses sys.argv for its own flags: hide ours.
sys.argv = sys.argv[:1]

import bittensor as bt  # noqa: E402

sub = bt.Subtensor(network=url)


def sign():
    key = bt.Keypair.create_from_seed(arg)
    substrate = sub.substrate
    transfer = substrate.compose_call("Balances", "transfer_keep_alive", {"dest": extra, "value": 10**9})
    weights = substrate.compose_call(
        "SubtensorModule",
        "set_mechanism_weights",
        {"netuid": 1, "mecid": 0, "dests": list(range(100)), "weights": [7] * 100, "version_key": 0},
    )
    made = [
        substrate.create_signed_extrinsic(call=transfer, keypair=key, era={"period": 64}, nonce=0),
        substrate.create_signed_extrinsic(call=transfer, keypair=key, era=None, nonce=1),
        substrate.create_signed_extrinsic(call=weights, keypair=key, era={"period": 128}, nonce=2),
    ]
    return {"signer": key.ss58_address, "extrinsics": [str(x.data) for x in made]}


def metagraph_doc(mg):
    def plain(xs):
        return [x.item() if hasattr(x, "item") else x for x in xs]

    return {
        "n": int(mg.n),
        "uids": plain(mg.uids),
        "hotkeys": list(mg.hotkeys),
        "coldkeys": list(mg.coldkeys),
        "stake": plain(mg.S),
        "incentive": plain(mg.I),
        "dividends": plain(mg.D),
        "validator_permit": plain(mg.validator_permit),
        "last_update": plain(mg.last_update),
        "axons": [f"{a.ip}:{a.port}" if a.is_serving else None for a in mg.axons],
    }


def metagraph(netuid):
    mg = sub.metagraph(netuid)
    first = metagraph_doc(mg)
    mg.sync(subtensor=sub)
    return {"metagraph": first, "synced": metagraph_doc(mg)}


def response(r):
    error = r.error if isinstance(r.error, dict) else None
    return {
        "success": bool(r.success),
        "message": str(r.message),
        "error": error.get("name") if error else (type(r.error).__name__ if r.error else None),
    }


def writes(path, netuid):
    owner = bt.Wallet(name="owner", hotkey="default", path=path)
    sdk = bt.Wallet(name="sdk", hotkey="default", path=path)
    sdk.create_if_non_existent(coldkey_use_password=False, hotkey_use_password=False)
    cold, hot = sdk.coldkeypub.ss58_address, sdk.hotkey.ss58_address
    out = {"coldkey": cold, "hotkey": hot}
    out["transfer"] = response(sub.transfer(owner, cold, bt.Balance.from_tao(50)))
    out["burned_register"] = response(sub.burned_register(sdk, netuid))
    out["uid"] = sub.get_uid_for_hotkey_on_subnet(hot, netuid)
    out["add_stake"] = response(sub.add_stake(sdk, netuid, hot, bt.Balance.from_tao(5)))
    axon = bt.Axon(wallet=sdk, ip="10.0.0.3", port=8093, external_ip="10.0.0.3", external_port=8093)
    out["serve_axon"] = response(sub.serve_axon(netuid, axon))
    out["set_weights"] = response(sub.set_weights(owner, netuid, uids=[0, out["uid"]], weights=[0.25, 0.75]))
    too_much = sub.substrate.compose_call(
        "Balances", "transfer_keep_alive", {"dest": owner.coldkeypub.ss58_address, "value": 10**17}
    )
    failed = sub.sign_and_send_extrinsic(call=too_much, wallet=sdk, wait_for_finalization=True)
    out["too_much"] = response(failed)
    out["free_rao"] = sub.get_balance(cold).rao
    return out


def reads(ss58, netuid):
    return {
        "block": sub.get_current_block(),
        "free_rao": sub.get_balance(ss58).rao,
        "netuids": sub.get_all_subnets_netuid(),
        "exists": sub.subnet_exists(netuid),
        "tempo": sub.tempo(netuid),
        "uid": sub.get_uid_for_hotkey_on_subnet(ss58, netuid),
    }


try:
    if mode == "reads":
        out = reads(arg, int(extra))
    elif mode == "sign":
        out = sign()
    elif mode == "writes":
        out = writes(arg, int(extra))
    else:
        out = metagraph(int(arg))
finally:
    sub.close()
print(json.dumps(out), flush=True)

# The reference SDK (bittensor 10.5.0: async-substrate-interface 2.2.1 + cyscale) against Agora's
# Substrate-compatible endpoint, driven by `crates/cli/tests/it/substrate.rs`.
#   substrate_sdk10.py reads URL SS58 NETUID
#   substrate_sdk10.py sign URL SEED_HEX DEST_SS58
#   substrate_sdk10.py metagraph URL NETUID
# `reads` prints one JSON document of what the SDK read (current block, the balance of SS58,
# every netuid, NETUID's tempo, SS58's uid there); the Rust side compares it with Agora's own
# RPC. `sign` prints extrinsics the SDK signs with the key of SEED_HEX (a mortal transfer of
# 1 TAO to DEST_SS58, an immortal one, and a weights call long enough to be signed through its
# hash), without sending them; the Rust side decodes and checks them. `metagraph` prints the
# lite metagraph of NETUID, after `metagraph()` and again after `sync()`.
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
    else:
        out = metagraph(int(arg))
finally:
    sub.close()
print(json.dumps(out), flush=True)

"""A validator of the sum subnet: syncs the metagraph, asks every serving miner a random sum
with a `bt.Dendrite`, keeps a moving average of correct answers and sets weights from it.

    python validator.py --netuid N --wallet.name W --wallet.hotkey H \
        --subtensor.network ws://127.0.0.1:9944 [--neuron.rounds 0] [--neuron.interval 2]

Each round prints one JSON line (scores, whether the weights landed). `--neuron.rounds 0` runs
until interrupted.
"""

import argparse
import os
import json
import random
import time

# bittensor 10.x reads command-line flags into `bt.Config` only when this is false.
os.environ.setdefault("BT_NO_PARSE_CLI_ARGS", "false")

import bittensor as bt  # noqa: E402
import numpy as np  # noqa: E402
from bittensor.utils.weight_utils import process_weights_for_netuid  # noqa: E402

from protocol import Sum  # noqa: E402

ALPHA = 0.3


def get_config() -> "bt.Config":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--netuid", type=int, required=True, help="The subnet to validate.")
    parser.add_argument("--neuron.rounds", type=int, default=0, help="Rounds to run (0: forever).")
    parser.add_argument("--neuron.interval", type=float, default=12.0, help="Seconds between rounds.")
    parser.add_argument("--neuron.timeout", type=float, default=5.0, help="Seconds a miner has to answer.")
    bt.Wallet.add_args(parser)
    bt.Subtensor.add_args(parser)
    bt.logging.add_args(parser)
    return bt.Config(parser)


def main() -> None:
    config = get_config()
    bt.logging(config=config)
    wallet = bt.Wallet(config=config)
    subtensor = bt.Subtensor(config=config)
    dendrite = bt.Dendrite(wallet=wallet)
    metagraph = subtensor.metagraph(config.netuid)
    if wallet.hotkey.ss58_address not in metagraph.hotkeys:
        raise SystemExit(f"hotkey {wallet.hotkey.ss58_address} is not registered on subnet {config.netuid}")
    scores = np.zeros(int(metagraph.n), dtype=np.float32)
    step = 0
    while config.neuron.rounds == 0 or step < config.neuron.rounds:
        step += 1
        metagraph.sync(subtensor=subtensor)
        if len(scores) < int(metagraph.n):
            scores = np.concatenate([scores, np.zeros(int(metagraph.n) - len(scores), dtype=np.float32)])
        me = metagraph.hotkeys.index(wallet.hotkey.ss58_address)
        uids = [uid for uid in range(int(metagraph.n)) if uid != me and metagraph.axons[uid].is_serving]
        a, b = random.randint(0, 1000), random.randint(0, 1000)
        answers = dendrite.query(
            axons=[metagraph.axons[uid] for uid in uids],
            synapse=Sum(a=a, b=b),
            timeout=config.neuron.timeout,
            deserialize=True,
        )
        for uid, answer in zip(uids, answers):
            reward = 1.0 if answer == a + b else 0.0
            scores[uid] = ALPHA * reward + (1 - ALPHA) * scores[uid]
        landed, message = False, "no miner has answered correctly yet"
        if scores.sum() > 0:
            weights = scores / scores.sum()
            uint_uids, uint_weights = process_weights_for_netuid(
                uids=np.arange(len(scores)), weights=weights, netuid=config.netuid, subtensor=subtensor, metagraph=metagraph
            )
            response = subtensor.set_weights(
                wallet=wallet,
                netuid=config.netuid,
                uids=uint_uids,
                weights=uint_weights,
                wait_for_inclusion=True,
                wait_for_finalization=True,
            )
            landed, message = bool(response.success), str(response.message)
        row = {"round": step, "uids": uids, "answers": list(answers), "scores": scores.tolist()}
        print(json.dumps({**row, "weights_landed": landed, "message": message}), flush=True)
        time.sleep(config.neuron.interval)


if __name__ == "__main__":
    main()

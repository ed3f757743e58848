"""A miner of the sum subnet: serves `Sum` on a `bt.Axon` and publishes it on chain.

    python miner.py --netuid N --wallet.name W --wallet.hotkey H \
        --subtensor.network ws://127.0.0.1:9944 --axon.port 8091 [--neuron.dishonest]

With `--neuron.dishonest` it answers wrongly (a miner the validators should not pay).
"""

import argparse
import os
import time
import typing

# bittensor 10.x reads command-line flags into `bt.Config` only when this is false.
os.environ.setdefault("BT_NO_PARSE_CLI_ARGS", "false")

import bittensor as bt  # noqa: E402

from protocol import Sum  # noqa: E402


def get_config() -> "bt.Config":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--netuid", type=int, required=True, help="The subnet to mine on.")
    parser.add_argument("--neuron.dishonest", action="store_true", help="Answer wrongly.")
    bt.Wallet.add_args(parser)
    bt.Subtensor.add_args(parser)
    bt.Axon.add_args(parser)
    bt.logging.add_args(parser)
    return bt.Config(parser)


def main() -> None:
    config = get_config()
    bt.logging(config=config)
    wallet = bt.Wallet(config=config)
    subtensor = bt.Subtensor(config=config)
    metagraph = subtensor.metagraph(config.netuid)
    if wallet.hotkey.ss58_address not in metagraph.hotkeys:
        raise SystemExit(f"hotkey {wallet.hotkey.ss58_address} is not registered on subnet {config.netuid}")
    dishonest = bool(config.neuron.dishonest)

    def forward(synapse: Sum) -> Sum:
        synapse.result = synapse.a + synapse.b + (1 if dishonest else 0)
        return synapse

    def blacklist(synapse: Sum) -> typing.Tuple[bool, str]:
        if synapse.dendrite.hotkey not in metagraph.hotkeys:
            return True, "unregistered hotkey"
        return False, "registered"

    axon = bt.Axon(wallet=wallet, config=config)
    axon.attach(forward_fn=forward, blacklist_fn=blacklist)
    axon.serve(netuid=config.netuid, subtensor=subtensor)
    axon.start()
    print(f"serving on port {axon.port} as uid {metagraph.hotkeys.index(wallet.hotkey.ss58_address)}", flush=True)
    try:
        while True:
            time.sleep(5)
            metagraph.sync(subtensor=subtensor)
    except KeyboardInterrupt:
        axon.stop()


if __name__ == "__main__":
    main()

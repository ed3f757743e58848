"""The reference SDK's side of the neuron interoperability test (bittensor 10.2.0).

    python neuron_interop.py serve ROOT PORT            -> prints {"hotkey"}, then serves Dummy until killed
    python neuron_interop.py query PORT HOTKEY INPUT    -> {"status_code", "dummy_output", "message"}
    python neuron_interop.py attacks PORT HOTKEY        -> {"valid", "replay", "bad_signature", "missing_signature"}
    python neuron_interop.py fanout TARGETS.json ROUNDS -> {"p50_ms", "p99_ms", "ok", "expected"} (benchmark)
    python neuron_interop.py serve_stream ROOT PORT     -> prints {"hotkey"}, then streams Story until killed
    python neuron_interop.py stream PORT HOTKEY PROMPT  -> {"chunks", "status_code"}

External-IP discovery (an HTTP call to a public service in the SDK's constructors) is replaced by
a fixed documentation address, so nothing leaves loopback.
"""
import json
import sys
import time
import urllib.error
import urllib.request
from typing import ClassVar, Optional

from bittensor.utils import networking

networking.get_external_ip = lambda: "192.0.2.1"

import bittensor as bt  # noqa: E402
from bittensor_wallet import Keypair, Wallet  # noqa: E402


class Dummy(bt.Synapse):
    dummy_input: int
    dummy_output: Optional[int] = None

    def deserialize(self) -> Optional[int]:
        return self.dummy_output


class Story(bt.StreamingSynapse):
    """A streaming synapse: the axon sends the prompt back word by word."""

    prompt: str
    completion: str = ""
    required_hash_fields: ClassVar[tuple[str, ...]] = ("prompt",)

    async def process_streaming_response(self, response):
        async for chunk in response.content.iter_any():
            text = chunk.decode()
            self.completion += text
            yield text

    def extract_response_json(self, response) -> dict:
        return {"prompt": self.prompt, "completion": self.completion}

    def deserialize(self) -> str:
        return self.completion


def axon_info(port, hotkey):
    return bt.AxonInfo(version=10002000, ip="127.0.0.1", port=int(port), ip_type=4, hotkey=hotkey, coldkey=hotkey)


def make_wallet(root, name, uri):
    wallet = Wallet(name=name, hotkey="default", path=root)
    wallet.create_coldkey_from_uri(uri + "Cold", use_password=False, overwrite=True, suppress=True)
    wallet.create_hotkey_from_uri(uri, use_password=False, overwrite=True, suppress=True)
    return wallet


def start_axon(wallet, port, forward):
    """Serves `forward` and prints the hotkey line the Rust side waits for."""
    axon = bt.Axon(wallet=wallet, port=int(port), ip="127.0.0.1", external_ip="127.0.0.1", external_port=int(port))
    axon.attach(forward_fn=forward)
    axon.start()
    print(json.dumps({"hotkey": wallet.hotkey.ss58_address}), flush=True)
    while True:
        time.sleep(1)


def serve(root, port):
    wallet = make_wallet(root, "pyminer", "//PyMiner")

    def forward(synapse: Dummy) -> Dummy:
        synapse.dummy_output = synapse.dummy_input * 2
        return synapse

    start_axon(wallet, port, forward)


def serve_stream(root, port):
    wallet = make_wallet(root, "pystreamer", "//PyStreamer")

    def forward(synapse: Story) -> Story:
        async def streamer(send):
            for word in synapse.prompt.split():
                await send({"type": "http.response.body", "body": (word + "\n").encode(), "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})

        return synapse.create_streaming_response(streamer)

    start_axon(wallet, port, forward)


def stream(port, hotkey, prompt):
    import asyncio

    async def run():
        dendrite = bt.Dendrite(wallet=Keypair.create_from_uri("//PyValidator"))
        chunks, final = [], None
        async for item in dendrite.call_stream(axon_info(port, hotkey), Story(prompt=prompt), timeout=10, deserialize=False):
            if isinstance(item, str):
                chunks.append(item)
            else:
                final = item
        return {"chunks": chunks, "status_code": final.dendrite.status_code if final else None}

    return asyncio.run(run())


def query(port, hotkey, value):
    dendrite = bt.Dendrite(wallet=Keypair.create_from_uri("//PyValidator"))
    out = dendrite.query(axon_info(port, hotkey), Dummy(dummy_input=int(value)), timeout=10, deserialize=False)
    return {
        "status_code": out.dendrite.status_code,
        "dummy_output": out.dummy_output,
        "message": out.dendrite.status_message,
        "caller": dendrite.keypair.ss58_address,
    }


def send(port, headers, body):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/Dummy", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def signed_request(dendrite, port, hotkey, value):
    synapse = dendrite.preprocess_synapse_for_request(axon_info(port, hotkey), Dummy(dummy_input=value), 10)
    headers = {k: str(v) for k, v in synapse.to_headers().items()}
    headers["Content-Type"] = "application/json"
    return headers, synapse.model_dump_json().encode()


def attacks(port, hotkey):
    dendrite = bt.Dendrite(wallet=Keypair.create_from_uri("//PyAttacker"))
    out = {}
    headers, body = signed_request(dendrite, port, hotkey, 3)
    out["valid"] = send(port, headers, body)
    out["replay"] = send(port, headers, body)
    headers, body = signed_request(dendrite, port, hotkey, 4)
    sig = headers["bt_header_dendrite_signature"]
    headers["bt_header_dendrite_signature"] = sig[:-2] + ("00" if sig[-2:] != "00" else "11")
    out["bad_signature"] = send(port, headers, body)
    headers, body = signed_request(dendrite, port, hotkey, 5)
    del headers["bt_header_dendrite_signature"]
    out["missing_signature"] = send(port, headers, body)
    return out


def fanout(path, rounds):
    with open(path) as f:
        axons = [axon_info(t["port"], t["hotkey"]) for t in json.load(f)]
    dendrite = bt.Dendrite(wallet=Keypair.create_from_uri("//PyValidator"))
    dendrite.query(axons, Dummy(dummy_input=1), timeout=30, deserialize=False)  # warm-up
    times, ok = [], 0
    for _ in range(int(rounds)):
        start = time.perf_counter()
        answers = dendrite.query(axons, Dummy(dummy_input=1), timeout=30, deserialize=False)
        times.append(time.perf_counter() - start)
        ok += sum(1 for a in answers if a.dendrite.status_code == 200)
    times.sort()

    def pick(q):
        return times[min(len(times), max(1, int(-(-len(times) * q // 1)))) - 1] * 1e3

    return {"p50_ms": pick(0.5), "p99_ms": pick(0.99), "ok": ok, "expected": len(axons) * int(rounds)}


def main(argv):
    command = argv[1]
    if command == "serve":
        serve(argv[2], argv[3])
    elif command == "query":
        print(json.dumps(query(argv[2], argv[3], argv[4])))
    elif command == "attacks":
        print(json.dumps(attacks(argv[2], argv[3])))
    elif command == "fanout":
        print(json.dumps(fanout(argv[2], argv[3])))
    elif command == "serve_stream":
        serve_stream(argv[2], argv[3])
    elif command == "stream":
        print(json.dumps(stream(argv[2], argv[3], argv[4])))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)

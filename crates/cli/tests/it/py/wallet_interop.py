"""The reference wallet library's side of the wallet interoperability test.

    python wallet_interop.py create ROOT NAME PASSWORD      -> {"mnemonic", "coldkey", "hotkey"}
    python wallet_interop.py load ROOT NAME HOTKEY PASSWORD -> {"coldkey", "coldkeypub", "hotkey"}
    python wallet_interop.py verify SS58 MESSAGE SIGNATURE  -> {"valid"}
    python wallet_interop.py address MNEMONIC               -> {"ss58"}
    python wallet_interop.py decrypt FILE PASSWORD          -> {"ss58"}  (any encrypted keyfile)
"""
import json
import sys

from bittensor_wallet import Keypair, Wallet


def main(argv):
    command = argv[1]
    if command == "create":
        root, name, password = argv[2:5]
        wallet = Wallet(name=name, hotkey="hk", path=root)
        mnemonic = Keypair.generate_mnemonic(12)
        wallet.regenerate_coldkey(
            mnemonic=mnemonic, use_password=True, overwrite=True, suppress=True, coldkey_password=password
        )
        wallet.create_new_hotkey(use_password=False, overwrite=True, suppress=True)
        out = {"mnemonic": mnemonic, "coldkey": wallet.coldkeypub.ss58_address, "hotkey": wallet.hotkey.ss58_address}
    elif command == "load":
        root, name, hotkey, password = argv[2:6]
        wallet = Wallet(name=name, hotkey=hotkey, path=root)
        coldkey = wallet.coldkey_file.get_keypair(password=password)
        out = {
            "coldkey": coldkey.ss58_address,
            "coldkeypub": wallet.coldkeypub.ss58_address,
            "hotkey": wallet.hotkey.ss58_address,
        }
    elif command == "verify":
        ss58, message, signature = argv[2:5]
        out = {"valid": Keypair(ss58_address=ss58).verify(message, bytes.fromhex(signature[2:]))}
    elif command == "address":
        out = {"ss58": Keypair.create_from_mnemonic(argv[2]).ss58_address}
    elif command == "decrypt":
        path, password = argv[2:4]
        from bittensor_wallet.keyfile import decrypt_keyfile_data

        with open(path, "rb") as f:
            out = {"ss58": json.loads(decrypt_keyfile_data(f.read(), password))["ss58Address"]}
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)

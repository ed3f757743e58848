//! `agora wallet` against the reference wallet library (`bittensor-wallet`, installed into a
//! virtual environment by `scripts/python-wallet-env.sh`), and the CLI's own failure paths.
//! Encryption here uses the real cost (Argon2i, 512 MiB, 8 passes), so files are interchangeable.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::{repo_file, temp_dir};

fn python() -> String {
    crate::venv("python-wallet-env.sh")
}

fn py(python: &str, args: &[&str]) -> Value {
    let out =
        Command::new(python).arg(repo_file("crates/cli/tests/it/py/wallet_interop.py")).args(args).output().unwrap();
    assert!(out.status.success(), "python {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    serde_json::from_str(text.lines().last().unwrap()).unwrap()
}

fn agora(args: &[&str], password: Option<&str>) -> (bool, i32, Value, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agora"));
    cmd.args(args).env_remove("AGORA_COLDKEY_PASSWORD").env_remove("BT_WALLET_PATH");
    if let Some(p) = password {
        cmd.env("AGORA_COLDKEY_PASSWORD", p);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
    (out.status.success(), out.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&out.stderr).to_string())
}

#[test]
fn wallets_are_interchangeable_with_the_reference_library() {
    let python = python();
    let root = temp_dir("wallet-interop");
    let r = root.to_str().unwrap();

    // Python makes a wallet; agora lists the same addresses and opens the coldkey.
    let made = py(&python, &["create", r, "py", "pw-Interop-1"]);
    let (ok, _, listed, err) = agora(&["wallet", "list", "--wallet.path", r, "--json"], None);
    assert!(ok, "{err}");
    let wallet = &listed["wallets"][0];
    assert_eq!(wallet["name"], "py");
    assert_eq!(wallet["coldkey"], made["coldkey"]);
    assert_eq!(wallet["hotkeys"][0]["name"], "hk");
    assert_eq!(wallet["hotkeys"][0]["ss58"], made["hotkey"]);
    let sign = ["wallet", "sign", "--wallet.name", "py", "--wallet.path", r, "--message", "hello agora", "--json"];
    let (ok, _, signed, err) = agora(&sign, Some("pw-Interop-1"));
    assert!(ok, "{err}");
    assert_eq!(signed["ss58"], made["coldkey"]);
    let verified = py(
        &python,
        &["verify", made["coldkey"].as_str().unwrap(), "hello agora", signed["signature"].as_str().unwrap()],
    );
    assert_eq!(verified["valid"], true, "the reference library verifies agora's signature");

    // A wrong password: exit 1, a clear message, the file untouched.
    let coldkey = root.join("py/coldkey");
    let before = std::fs::read(&coldkey).unwrap();
    let (ok, code, _, err) = agora(&sign, Some("not the password"));
    assert!(!ok);
    assert_eq!(code, 1);
    assert!(err.contains("wrong password for coldkey") && err.contains("py/coldkey"), "{err}");
    assert_eq!(std::fs::read(&coldkey).unwrap(), before);

    // agora makes a wallet; the reference library opens it.
    let create = [
        "wallet",
        "create",
        "--wallet.name",
        "rs",
        "--wallet.hotkey",
        "hk",
        "--wallet.path",
        r,
        "--yes",
        "--json",
        "--show-mnemonic",
    ];
    let (ok, _, created, err) = agora(&create, Some("pw-Rust-2"));
    assert!(ok, "{err}");
    let loaded = py(&python, &["load", r, "rs", "hk", "pw-Rust-2"]);
    assert_eq!(loaded["coldkey"], created["coldkey"]);
    assert_eq!(loaded["coldkeypub"], created["coldkey"]);
    assert_eq!(loaded["hotkey"], created["hotkey"]);
    assert!(is_private(&root.join("rs/coldkey")) && is_private(&root.join("rs/hotkeys/hk")));

    // Same mnemonic, same address, both ways.
    let regen = [
        "wallet",
        "regen-coldkey",
        "--wallet.name",
        "again",
        "--wallet.path",
        r,
        "--no-password",
        "--json",
        "--mnemonic",
    ];
    let (ok, _, regenerated, err) = agora(&[&regen[..], &[made["mnemonic"].as_str().unwrap()]].concat(), None);
    assert!(ok, "{err}");
    assert_eq!(regenerated["ss58"], made["coldkey"]);
    let theirs = py(&python, &["address", created["coldkey_mnemonic"].as_str().unwrap()]);
    assert_eq!(theirs["ss58"], created["coldkey"]);

    // Nothing is overwritten without --overwrite.
    let (ok, _, _, err) = agora(&create, Some("pw-Rust-2"));
    assert!(!ok);
    assert!(err.contains("already exists") && err.contains("--overwrite"), "{err}");

    // An ansible-vault coldkey (the reference's older format): the reference opens the fixture,
    // and so does agora, with the same password.
    let vault = repo_file("crates/wallet/tests/fixtures/alice-coldkey.ansible-vault");
    let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    assert_eq!(py(&python, &["decrypt", &vault, "ansible-pass"])["ss58"], alice);
    std::fs::create_dir_all(root.join("vault")).unwrap();
    std::fs::copy(&vault, root.join("vault/coldkey")).unwrap();
    let sign = ["wallet", "sign", "--wallet.name", "vault", "--wallet.path", r, "--message", "hi", "--json"];
    let (ok, _, signed, err) = agora(&sign, Some("ansible-pass"));
    assert!(ok, "{err}");
    assert_eq!(signed["ss58"], alice);
    let (ok, code, _, err) = agora(&sign, Some("not it"));
    assert!(!ok && code == 1 && err.contains("wrong password for coldkey"), "{code} {err}");
}

#[test]
fn wallet_commands_refuse_bad_input_clearly() {
    let root = temp_dir("wallet-cli");
    let r = root.to_str().unwrap();
    let (ok, _, _, err) =
        agora(&["wallet", "regen-coldkey", "--wallet.path", r, "--no-password", "--mnemonic", "not a mnemonic"], None);
    assert!(!ok && err.contains("bad mnemonic"), "{err}");
    let (ok, _, alice, err) =
        agora(&["wallet", "regen-hotkey", "--wallet.path", r, "--uri", "//Alice", "--json"], None);
    assert!(ok, "{err}");
    assert_eq!(alice["ss58"], "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
    let (ok, _, signed, err) =
        agora(&["wallet", "sign", "--wallet.path", r, "--use-hotkey", "--message", "0x0102", "--json"], None);
    assert!(ok, "{err}");
    let sig = signed["signature"].as_str().unwrap();
    let verify = |message: &str| {
        agora(
            &[
                "wallet",
                "verify",
                "--ss58",
                "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
                "--message",
                message,
                "--signature",
                sig,
                "--json",
            ],
            None,
        )
    };
    assert_eq!(verify("0x0102").2["valid"], true);
    let (ok, code, out, _) = verify("0x0103");
    assert!(!ok && code == 1 && out["valid"] == false);
    // No coldkey yet: a clear "does not exist".
    let (ok, _, _, err) = agora(&["wallet", "sign", "--wallet.path", r, "--message", "x"], None);
    assert!(!ok && err.contains("does not exist"), "{err}");
    let (ok, _, _, err) = agora(&["wallet", "regen-coldkeypub", "--wallet.path", r, "--ss58", "nope"], None);
    assert!(!ok && err.contains("not an SS58 address"), "{err}");
}

#[cfg(unix)]
fn is_private(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o077 == 0
}

#[cfg(not(unix))]
fn is_private(_: &Path) -> bool {
    true
}

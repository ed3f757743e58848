//! Talking to the chain from a command: one client per command, signed calls with a confirmation,
//! a spinner while waiting for finality, and chain errors shown by name with what to do.

use std::time::Duration;

use agora_client::{Client, Finalized, SubmitError, preflight};
use agora_primitives::{AccountId, Balance, NetUid};
use agora_runtime::Call;
use agora_wallet::Keypair;
use serde_json::{Value, json};

use crate::args::Global;
use crate::failure::Failure;

/// How long a signed call may take to become final before the command gives up waiting.
pub const FINALITY_TIMEOUT: Duration = Duration::from_secs(60);

/// A command's connection to a node.
pub struct Session<'a> {
    /// The global options.
    pub g: &'a Global,
    /// The node.
    pub client: Client,
}

impl<'a> Session<'a> {
    /// Connects to `--network` (10 s per call).
    pub fn new(g: &'a Global) -> Result<Session<'a>, Failure> {
        Ok(Session { g, client: Client::new(g.endpoint())?.with_timeout(Duration::from_secs(10)) })
    }

    /// Asks, signs `call` with `signer`, submits it and waits for finality. `what` describes the
    /// call for the confirmation ("transfer τ1.000000000 to 5F…").
    pub fn send(&self, signer: &Keypair, call: Call, what: &str) -> Result<Finalized, Failure> {
        self.try_send(signer, call, what)?.map_err(|e| chain_failure(&e))
    }

    /// [`Session::send`], keeping apart a refusal before sending (outer error) from what happened
    /// to the sent transaction (inner result), for callers that must tell a timeout from a failure.
    pub fn try_send(
        &self,
        signer: &Keypair,
        call: Call,
        what: &str,
    ) -> Result<Result<Finalized, SubmitError>, Failure> {
        preflight::fee(&self.client, &signer.public())?;
        self.g.confirm(&format!("{what}?"))?;
        Ok(self.g.waiting(&format!("{what}: waiting for finality"), || {
            self.client.submit_and_watch(signer.pair(), call, FINALITY_TIMEOUT)
        }))
    }

    /// Fails with the chain's own error name when `netuid` does not exist.
    pub fn require_subnet(&self, netuid: NetUid) -> Result<agora_runtime::query::SubnetView, Failure> {
        Ok(preflight::subnet(&self.client, netuid)?)
    }
}

/// The one-line failure for a chain error: `Name: what to do`.
pub fn chain_failure(e: &SubmitError) -> Failure {
    match e {
        SubmitError::Failed { finalized, .. } => {
            Failure::msg(format!("{e} (the call failed in block {}; its fee was paid)", finalized.height))
        }
        other => Failure::msg(other.to_string()),
    }
}

/// A pre-flight refusal with the chain's error name, before anything is signed or paid.
pub fn refuse(error: agora_runtime::DispatchError, detail: impl std::fmt::Display) -> Failure {
    Failure::msg(format!("{}: {detail}", agora_client::advice::name(&error)))
}

/// The JSON every transaction command prints.
pub fn receipt_doc(f: &Finalized) -> Value {
    json!({
        "tx_hash": f.tx_hash,
        "block": f.block,
        "height": f.height,
        "call": f.receipt.call,
        "fee": tao(f.receipt.fee),
        "success": f.receipt.result.is_ok(),
    })
}

/// Rao as a TAO number for JSON.
pub fn tao(b: Balance) -> f64 {
    agora_client::metagraph::tao(b.rao())
}

/// Parses a TAO amount (`1.5`, `0.000000001`).
pub fn parse_tao(text: &str) -> Result<Balance, Failure> {
    Balance::parse_tao(text)
        .ok_or_else(|| Failure::msg(format!("{text:?} is not a TAO amount (digits, at most nine decimals)")))
}

/// Parses an SS58 address.
pub fn parse_account(text: &str) -> Result<AccountId, Failure> {
    text.parse().map_err(|e| Failure::msg(format!("{text:?} is not an SS58 address ({e})")))
}

/// A short form of an address for tables.
pub fn short(a: &AccountId) -> String {
    preflight::short(a)
}

//! `agora root claim|claim-type`: root stakers' dividends on a dynamic chain. Root validators
//! earn alpha on every subnet; a coldkey staking on root claims its share with `claim_root`, and
//! chooses whether the alpha is sold for TAO restaked on root (`swap`, the default) or kept as
//! stake on the subnet (`keep`).

use agora_primitives::{Balance, NetUid};
use agora_runtime::Call;
use agora_runtime::root_claims::RootClaimType;
use clap::{Subcommand, ValueEnum};
use serde_json::json;

use crate::args::Global;
use crate::failure::Failure;
use crate::market::Market;
use crate::session::{Session, receipt_doc, tao};

/// How root dividends are taken (the chain's third choice, `KeepSubnets`, is not offered here).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ClaimKind {
    /// Sell the alpha and restake the TAO on root.
    Swap,
    /// Keep the alpha as stake on the subnet.
    Keep,
}

/// `agora root`.
#[derive(Debug, Subcommand)]
pub enum RootCommand {
    /// Claim the coldkey's root dividends now (every subnet with a pool, or those given); the
    /// chain also claims for every root staker in turn, a few a block.
    Claim {
        /// Only these subnets (repeat the flag; five per transaction).
        #[arg(long = "netuid", short = 'n', value_parser = crate::args::netuid, alias = "netuids", value_delimiter = ',')]
        netuids: Vec<NetUid>,
    },
    /// Choose how root dividends are taken.
    ClaimType {
        /// `swap` (sell for TAO, restaked on root) or `keep` (alpha stays on the subnet).
        #[arg(long = "type", value_enum)]
        kind: ClaimKind,
    },
}

pub fn run(cmd: RootCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        RootCommand::Claim { netuids } => claim(g, netuids),
        RootCommand::ClaimType { kind } => claim_type(g, kind),
    }
}

/// Refuses on a TAO-era chain, where root stake earns no alpha to claim.
fn require_dynamic(market: &Market) -> Result<(), Failure> {
    if market.dynamic() {
        return Ok(());
    }
    Err(Failure::msg(
        "this chain runs the TAO-era economy: root stake earns no alpha, so there is nothing to claim \
         (`agora localnet run --economy dynamic` starts a dynamic chain)",
    ))
}

fn claim(g: &Global, netuids: Vec<NetUid>) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let market = Market::load(&session.client)?;
    require_dynamic(&market)?;
    let netuids: Vec<NetUid> = if netuids.is_empty() {
        market.pools.iter().map(|p| p.netuid).filter(|n| !n.is_root()).collect()
    } else {
        for n in &netuids {
            if n.is_root() || market.pool(*n).is_none() {
                return Err(Failure::msg(format!("subnet {n} has no pool to claim from; see `agora subnets price`")));
            }
        }
        netuids
    };
    if netuids.is_empty() {
        return Err(Failure::msg("there are no subnets to claim from yet"));
    }
    let coldkey = g.wallet.coldkey_account()?;
    let value = |session: &Session<'_>| -> Result<Balance, Failure> {
        let market = Market::load(&session.client)?;
        let stakes = session.client.stakes_of_coldkey(&coldkey)?;
        Ok(stakes.iter().map(|s| market.value(s.netuid, s.amount.rao())).sum())
    };
    let before = value(&session)?;
    let signer = g.wallet.coldkey_pair()?;
    let mut receipts = Vec::new();
    for chunk in netuids.chunks(agora_economy::root_claim::MAX_SUBNET_CLAIMS) {
        let list = chunk.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ");
        let done =
            session.send(&signer, Call::ClaimRoot { subnets: chunk.to_vec() }, &format!("claim root on {list}"))?;
        receipts.push(receipt_doc(&done));
    }
    let after = value(&session)?;
    let doc = json!({
        "coldkey": coldkey,
        "netuids": netuids,
        "transactions": receipts,
        "stake_value_before": tao(before),
        "stake_value_after": tao(after),
    });
    g.print(&doc, || {
        format!(
            "claimed root dividends on {} subnet(s); your stake is worth {after} at spot prices (was {before})",
            netuids.len()
        )
    });
    Ok(())
}

fn claim_type(g: &Global, kind: ClaimKind) -> Result<(), Failure> {
    let session = Session::new(g)?;
    require_dynamic(&Market::load(&session.client)?)?;
    let claim_type = match kind {
        ClaimKind::Swap => RootClaimType::Swap,
        ClaimKind::Keep => RootClaimType::Keep,
    };
    let signer = g.wallet.coldkey_pair()?;
    let done =
        session.send(&signer, Call::SetRootClaimType { claim_type: claim_type.clone() }, "set the root claim type")?;
    let mut doc = receipt_doc(&done);
    doc["claim_type"] = json!(claim_type);
    g.print(&doc, || format!("root dividends are now taken as {kind:?}").to_lowercase());
    Ok(())
}

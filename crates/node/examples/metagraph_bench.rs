//! The chain side of `scripts/metagraph-bench.sh`: one node's chain (no consensus: blocks are
//! built and finalised in process) with subnet 1 full at 256 uids, serving Agora's JSON-RPC and
//! the Substrate-compatible endpoint on loopback. Prints `{"rpc": URL, "substrate": URL}` on one
//! line, then serves until its stdin closes.
//!
//! ```text
//! cargo run --release -p agora-node --example metagraph_bench
//! ```

use std::io::Read;
use std::sync::Arc;

use agora_node::chain::{Chain, ChainConfig};
use agora_node::{rpc, substrate_rpc};
use agora_primitives::{Balance, Pair};
use agora_runtime::GenesisConfig;
use agora_runtime::genesis::{GenesisNeuron, GenesisStake, GenesisSubnet};
use agora_runtime::hyperparams::SubnetHyperparams;
use agora_store::Store;

/// Rao per TAO.
const RAO: u64 = 1_000_000_000;

/// Uids on the subnet (its maximum).
const UIDS: u16 = 256;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let owner = Pair::from_seed(&[1; 32]).public();
    let mut config = GenesisConfig::new("metagraph-bench");
    config.balances.insert(owner, Balance(1_000_000 * RAO));
    let hyperparameters = SubnetHyperparams { max_allowed_uids: UIDS, tempo: 10, ..SubnetHyperparams::default() };
    let key = |i: u16, role: u8| {
        let mut seed = [role; 32];
        seed[..2].copy_from_slice(&i.to_le_bytes());
        Pair::from_seed(&seed).public()
    };
    let neurons: Vec<_> =
        (1..UIDS).map(|i| GenesisNeuron { hotkey: key(i, 2), coldkey: key(i, 3), registered_at: 0 }).collect();
    for (i, n) in neurons.iter().enumerate().take(64) {
        config.balances.insert(n.coldkey, Balance(1_000 * RAO));
        let amount = Balance((10 + i as u64) * RAO);
        config.stakes.push(GenesisStake { coldkey: n.coldkey, hotkey: n.hotkey, netuid: 1, amount });
    }
    config.subnets.push(GenesisSubnet {
        netuid: 1,
        owner,
        owner_hotkey: key(0, 2),
        started: true,
        register_owner: true,
        hyperparameters,
        neurons,
        pool: None,
        emission_enabled: true,
    });
    let genesis = config.build()?;
    let chain = Arc::new(Chain::open(Store::in_memory(), &genesis, 0, [0; 32], ChainConfig::default())?);
    // A few blocks, so an epoch has run and the metagraph has values.
    let mut parent = chain.genesis_block();
    for height in 1..=12u64 {
        let block = chain.propose(&parent, [9; 32], height * 1_000)?;
        chain.finalize(&block, height * 1_000)?;
        parent = block;
    }
    let gossip: agora_node::chain::Gossip = Arc::new(|_| {});
    let (_rpc, rpc_addr) = rpc::serve("127.0.0.1:0".parse()?, chain.clone(), gossip.clone()).await?;
    let (_sub, sub_addr) = substrate_rpc::serve("127.0.0.1:0".parse()?, chain, gossip).await?;
    println!(r#"{{"rpc": "http://{rpc_addr}", "substrate": "ws://{sub_addr}", "uids": {UIDS}}}"#);
    tokio::task::spawn_blocking(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
    })
    .await?;
    Ok(())
}

//! `agora subnets …`: list, show (the metagraph), hyperparameters, price (dynamic TAO's pools),
//! create, start, register, burn-cost.

use std::path::PathBuf;

use agora_client::metagraph::{self, neurons};
use agora_client::preflight::{self, Planned};
use agora_primitives::{Balance, NetUid};
use agora_runtime::DispatchError;
use agora_runtime::query::PoolInfo;
use clap::Subcommand;
use serde_json::json;

use crate::args::{Global, WalletFlags};
use crate::failure::Failure;
use crate::market::{Market, alpha_text, price_text, units};
use crate::out::{Hotkeys, Table, neuron_table, print_hyperparameters};
use crate::session::{Session, receipt_doc, refuse, short, tao};

/// `agora subnets`.
#[derive(Debug, Subcommand)]
pub enum SubnetsCommand {
    /// Every subnet: size, registration burn, emission, tempo (and price and reserves on a
    /// dynamic chain).
    List,
    /// Alpha prices: spot, moving average, the pool's reserves and emission (dynamic chains).
    Price {
        /// Only this subnet.
        #[arg(long, short = 'n', value_parser = crate::args::netuid, alias = "netuids")]
        netuid: Option<NetUid>,
    },
    /// A subnet's metagraph, fetched in one call (`metagraph` is an alias).
    #[command(alias = "metagraph")]
    Show {
        /// The subnet.
        #[arg(long, short = 'n', value_parser = crate::args::netuid, alias = "netuids")]
        netuid: NetUid,
        /// Also fetch the weights and bonds rows (full mode).
        #[arg(long)]
        full: bool,
        /// Save the metagraph to this file (portable JSON; read back with --load).
        #[arg(long, value_name = "FILE")]
        save: Option<PathBuf>,
        /// Show a saved metagraph instead of asking the chain.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["save", "full"])]
        load: Option<PathBuf>,
    },
    /// A subnet's hyperparameters, as the chain stores them.
    Hyperparameters {
        /// The subnet.
        #[arg(long, short = 'n', value_parser = crate::args::netuid)]
        netuid: NetUid,
    },
    /// Create a subnet: locks the current lock cost from the coldkey; the hotkey becomes uid 0.
    Create,
    /// Start a subnet's emission (owner only; `start_call`).
    Start {
        /// The subnet.
        #[arg(long, short = 'n', value_parser = crate::args::netuid)]
        netuid: NetUid,
    },
    /// Register the hotkey on a subnet by burning the current registration cost.
    Register {
        /// The subnet.
        #[arg(long, short = 'n', value_parser = crate::args::netuid)]
        netuid: NetUid,
    },
    /// What registering costs: the burn of a subnet (with --netuid), or the lock to create one.
    BurnCost {
        /// The subnet (omit for the cost of creating a subnet).
        #[arg(long, short = 'n', value_parser = crate::args::netuid)]
        netuid: Option<NetUid>,
    },
}

pub fn run(cmd: SubnetsCommand, g: &Global) -> Result<(), Failure> {
    match cmd {
        SubnetsCommand::List => list(g),
        SubnetsCommand::Price { netuid } => price(g, netuid),
        SubnetsCommand::Show { netuid, full, save, load } => show(g, netuid, full, save, load),
        SubnetsCommand::Hyperparameters { netuid } => hyperparameters(g, netuid),
        SubnetsCommand::Create => create(g, &g.wallet),
        SubnetsCommand::Start { netuid } => start(g, &g.wallet, netuid),
        SubnetsCommand::Register { netuid } => register(g, &g.wallet, netuid),
        SubnetsCommand::BurnCost { netuid } => burn_cost(g, netuid),
    }
}

fn hyperparameters(g: &Global, netuid: NetUid) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let subnet = session.require_subnet(netuid)?;
    print_hyperparameters(g, netuid, &subnet.hyperparameters);
    Ok(())
}

fn start(g: &Global, wallet: &WalletFlags, netuid: NetUid) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let call = preflight::start_call(&session.client, netuid)?;
    let signer = wallet.coldkey_pair()?;
    let done = session.send(&signer, call, &format!("start subnet {netuid}"))?;
    let mut doc = receipt_doc(&done);
    doc["netuid"] = json!(netuid);
    g.print(&doc, || format!("subnet {netuid} started in block {}", done.height));
    Ok(())
}

fn burn_cost(g: &Global, netuid: Option<NetUid>) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let (cost, what) = match netuid {
        Some(n) => (session.require_subnet(n)?.burn, format!("registering on subnet {n}")),
        None => (session.client.chain_info()?.network_lock_cost, "creating a subnet".into()),
    };
    g.print(&json!({"netuid": netuid, "cost": tao(cost), "cost_rao": cost.rao()}), || format!("{what} costs {cost}"));
    Ok(())
}

/// A pool as JSON.
fn pool_doc(p: &PoolInfo) -> serde_json::Value {
    json!({
        "price": units(p.price),
        "price_rao": p.price,
        "moving_price": units(p.moving_price),
        "tao_in": tao(p.tao_in),
        "alpha_in": units(p.alpha_in),
        "alpha_out": units(p.alpha_out),
        "volume": p.volume as f64 / 1e9,
        "emission_enabled": p.emission_enabled,
        "tao_in_emission": units(p.tao_in_emission),
        "alpha_in_emission": units(p.alpha_in_emission),
        "alpha_out_emission": units(p.alpha_out_emission),
        "pending_alpha_emission": units(p.pending_alpha_emission),
        "pending_root_emission": units(p.pending_root_emission),
    })
}

fn list(g: &Global) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let subnets = session.client.subnets()?;
    let market = Market::load(&session.client)?;
    let doc = json!({"economy": market.economy, "subnets": subnets.iter().map(|s| json!({
        "netuid": s.netuid.get(),
        "name": s.identity.as_ref().map(|i| i.subnet_name.clone()).unwrap_or_default(),
        "owner": s.owner,
        "n": s.n,
        "max_n": s.hyperparameters.max_allowed_uids,
        "burn": tao(s.burn),
        // TAO per block: the TAO-era share, or on a dynamic chain the pool's last injection.
        "emission_per_block": match market.pool(s.netuid) {
            Some(p) => units(p.tao_in_emission),
            None => tao(s.emission_per_block),
        },
        "tempo": s.hyperparameters.tempo,
        "started": s.started(),
        "registered_at": s.registered_at,
        "locked": tao(s.locked),
        "pool": market.pool(s.netuid).map(pool_doc),
    })).collect::<Vec<_>>()});
    g.print(&doc, || {
        // On a dynamic chain a subnet's TAO per block is its pool's injection (below).
        let mut head = vec!["netuid", "name", "owner", "uids", "burn"];
        if !market.dynamic() {
            head.push("emission/block");
        }
        head.extend(["tempo", "started"]);
        if market.dynamic() {
            head.extend(["price", "TAO in", "alpha in", "TAO in/block"]);
        }
        let mut t = Table::new(&head);
        for s in &subnets {
            let mut row = vec![
                s.netuid.get().to_string(),
                s.identity
                    .as_ref()
                    .map(|i| i.subnet_name.clone())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| "-".into()),
                s.owner.as_ref().map(short).unwrap_or_else(|| "-".into()),
                format!("{}/{}", s.n, s.hyperparameters.max_allowed_uids),
                s.burn.to_string(),
            ];
            if !market.dynamic() {
                row.push(s.emission_per_block.to_string());
            }
            row.extend([s.hyperparameters.tempo.to_string(), if s.started() { "yes".into() } else { "no".into() }]);
            if market.dynamic() {
                match market.pool(s.netuid) {
                    Some(p) => row.extend([
                        price_text(p.price),
                        p.tao_in.to_string(),
                        alpha_text(p.alpha_in),
                        Balance(p.tao_in_emission).to_string(),
                    ]),
                    None => row.extend(["-".into(), "-".into(), "-".into(), "-".into()]),
                }
            }
            t.row(row);
        }
        t.to_string().trim_end().to_string()
    });
    Ok(())
}

/// `agora subnets price`.
fn price(g: &Global, netuid: Option<NetUid>) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let market = Market::load(&session.client)?;
    if !market.dynamic() {
        return Err(Failure::msg(
            "this chain runs the TAO-era economy: there are no pools and alpha is TAO at price 1 \
             (`agora localnet run --economy dynamic` starts a dynamic chain)",
        ));
    }
    if let Some(n) = netuid {
        session.require_subnet(n)?;
    }
    let pools: Vec<&PoolInfo> = market.pools.iter().filter(|p| netuid.is_none_or(|n| p.netuid == n)).collect();
    let doc = json!({
        "block": session.client.status()?.height,
        "pools": pools.iter().map(|p| {
            let mut d = pool_doc(p);
            d["netuid"] = json!(p.netuid.get());
            d
        }).collect::<Vec<_>>(),
    });
    g.print(&doc, || {
        let mut t = Table::new(&["netuid", "price", "moving price", "TAO in", "alpha in", "alpha out", "emission"]);
        for p in &pools {
            t.row(vec![
                p.netuid.get().to_string(),
                price_text(p.price),
                price_text(p.moving_price),
                p.tao_in.to_string(),
                alpha_text(p.alpha_in),
                alpha_text(p.alpha_out),
                if p.emission_enabled { "on".into() } else { "off".into() },
            ]);
        }
        t.to_string().trim_end().to_string()
    });
    Ok(())
}

fn show(g: &Global, netuid: NetUid, full: bool, save: Option<PathBuf>, load: Option<PathBuf>) -> Result<(), Failure> {
    let m = match load {
        Some(path) => metagraph::load(&path)?,
        None => {
            let session = Session::new(g)?;
            match g.waiting("fetching the metagraph", || session.client.metagraph(netuid, full)) {
                Ok(m) => m,
                Err(agora_client::ClientError::Rpc { code: agora_client::NOT_FOUND, .. }) => {
                    return Err(refuse(
                        DispatchError::SubnetNotExists,
                        format!("there is no subnet {netuid}; see `agora subnets list`"),
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    if let Some(path) = &save {
        metagraph::save(&m, path)?;
        if !g.quiet && !g.json {
            eprintln!("saved to {}", path.display());
        }
    }
    let rows = neurons(&m);
    let mut doc = json!({"netuid": m.netuid.get(), "block": m.block, "neurons": rows});
    if let (Some(weights), Some(bonds)) = (&m.weights, &m.bonds) {
        doc["weights"] = json!(weights);
        doc["bonds"] = json!(bonds);
    }
    g.print(&doc, || {
        let table = neuron_table(&rows.iter().map(|r| (None, r)).collect::<Vec<_>>(), Hotkeys::Short);
        format!("subnet {} at block {}: {} neurons\n{}", m.netuid.get(), m.block, m.n, table.to_string().trim_end())
    });
    Ok(())
}

fn create(g: &Global, wallet: &WalletFlags) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let coldkey = wallet.coldkey_account()?;
    let hotkey = wallet.hotkey_account()?;
    let Planned { call, value: cost } = preflight::register_network(&session.client, &coldkey, &hotkey)?;
    let signer = wallet.coldkey_pair()?;
    let done = session.send(&signer, call, &format!("create a subnet, locking {cost}"))?;
    let netuid = done.new_netuid().map(NetUid::get);
    let mut doc = receipt_doc(&done);
    doc["netuid"] = json!(netuid);
    doc["lock"] = json!(tao(cost));
    g.print(&doc, || {
        format!(
            "created subnet {} (locked {cost}); start its emission with `agora subnets start --netuid {}`",
            netuid.map_or("?".into(), |n| n.to_string()),
            netuid.map_or("N".into(), |n| n.to_string())
        )
    });
    Ok(())
}

fn register(g: &Global, wallet: &WalletFlags, netuid: NetUid) -> Result<(), Failure> {
    let session = Session::new(g)?;
    let hotkey = wallet.hotkey_account()?;
    let coldkey = wallet.coldkey_account()?;
    let Planned { call, value: burn } = preflight::burned_register(&session.client, &coldkey, &hotkey, netuid)?;
    let signer = wallet.coldkey_pair()?;
    let done =
        session.send(&signer, call, &format!("register {} on subnet {netuid}, burning {burn}", short(&hotkey)))?;
    let uid = session.client.uid_of(netuid, &hotkey)?;
    let mut doc = receipt_doc(&done);
    doc["netuid"] = json!(netuid);
    doc["hotkey"] = json!(hotkey);
    doc["uid"] = json!(uid.map(|u| u.get()));
    doc["burned"] = json!(tao(burn));
    g.print(&doc, || {
        format!("registered {} on subnet {netuid} as uid {}", hotkey, uid.map_or("?".into(), |u| u.get().to_string()))
    });
    Ok(())
}

//! The dynamic-TAO commands against a running dynamic chain: `subnets price` and `subnets list`
//! show the pool, `stake add` buys alpha and moves the price (`--safe` sends a limit that stops
//! it), `stake list` values alpha at the spot price, `stake remove` sells it, `stake move`,
//! `transfer` and `swap` carry it across hotkeys, coldkeys and subnets, and `root claim` claims
//! what root stake earned. Ports 22420–22429.

use agora_runtime::pools::Economy;
use serde_json::Value;

use crate::chain::{Node, dev_seed};

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn price(node: &Node, netuid: u64) -> f64 {
    let doc = node.ok(&["subnets", "price", "--netuid", &netuid.to_string()]);
    f(&doc["pools"][0]["price"])
}

/// `name`'s stake on `netuid` (alpha, or TAO on root), from `stake list`.
fn stake_on(node: &Node, name: &str, netuid: u64) -> f64 {
    let list = node.ok(&["stake", "list", "--wallet.name", name]);
    list["stakes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["netuid"].as_u64() == Some(netuid))
        .map(|s| f(&s["stake"]))
        .sum()
}

#[test]
fn stake_is_alpha_bought_through_the_pool() {
    let node = Node::start_with("dynamic-cli", 22420, Economy::Dynamic);
    let dir = node.dir.clone();
    let w = |name: &'static str| ["--wallet.name", name];
    node.ok(&["wallet", "regen-coldkey", "--wallet.name", "owner", "--seed", &dev_seed(&dir, 0), "--no-password"]);
    node.ok(&["wallet", "new-hotkey", "--wallet.name", "owner", "--no-password"]);
    node.ok(&["sudo", "set", "--wallet.name", "owner", "--param", "admin_freeze_window", "--value", "0"]);
    node.ok(&["subnets", "create", "--wallet.name", "owner"]);
    node.ok(&["subnets", "start", "--wallet.name", "owner", "--netuid", "1"]);
    node.sudo_set(1, "subnet_emission_enabled", "true");
    node.sudo_set(1, "tempo", "10");
    let owner_hot =
        node.ok(&["subnets", "show", "--netuid", "1"])["neurons"][0]["hotkey"].as_str().unwrap().to_string();

    // The pool: the lock cost bought the owner's alpha at the median price.
    let list = node.ok(&["subnets", "list"]);
    assert_eq!(list["economy"], "dynamic");
    let pool = &list["subnets"][1]["pool"];
    assert!(f(&pool["price"]) > 0.0 && f(&pool["tao_in"]) > 0.0, "{pool}");
    assert_eq!(pool["emission_enabled"], true);
    let p0 = price(&node, 1);

    let mut cold = std::collections::BTreeMap::new();
    for name in ["alice", "bob"] {
        let doc = node.ok(&["wallet", "create", "--wallet.name", name, "--no-password"]);
        let c = doc["coldkey"].as_str().unwrap().to_string();
        node.ok(&["wallet", "transfer", "--wallet.name", "owner", "--dest", &c, "--amount", "1000"]);
        cold.insert(name, c);
    }

    // A safe stake within 50 % buys alpha and raises the price.
    let add = node.ok(&[
        &w("alice")[..],
        &[
            "stake",
            "add",
            "--netuid",
            "1",
            "--hotkey-ss58",
            &owner_hot,
            "--amount",
            "100",
            "--safe",
            "--tolerance",
            "0.5",
        ],
    ]
    .concat());
    assert_eq!(add["stake_unit"], "alpha");
    let bought = f(&add["alpha_bought"]);
    assert!(bought > 0.0 && (f(&add["stake"]) - bought).abs() < 1e-8, "{add}");
    assert!((f(&add["tao_spent"]) - 100.0).abs() < 1e-9 && f(&add["swap_fee"]) > 0.0, "{add}");
    assert!(f(&add["limit_price"]) > p0, "{add}");
    let p1 = price(&node, 1);
    assert!(p1 > p0, "a buy raises the price: {p0} → {p1}");
    // With no tolerance the limit is the spot price: a buy cannot fit under it.
    let refused = node.run(
        &[
            &w("alice")[..],
            &[
                "stake",
                "add",
                "--netuid",
                "1",
                "--hotkey-ss58",
                &owner_hot,
                "--amount",
                "50",
                "--safe",
                "--tolerance",
                "0",
            ],
        ]
        .concat(),
        None,
    );
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("PriceLimitExceeded") || refused.stderr.contains("SlippageTooHigh"),
        "{}",
        refused.stderr
    );
    assert!((stake_on(&node, "alice", 1) - bought).abs() < 1e-9, "the refused stake bought nothing");
    // A partial order within 1 % buys what fits and leaves the rest of the TAO free.
    let partial = node.ok(&[
        &w("alice")[..],
        &[
            "stake",
            "add",
            "--netuid",
            "1",
            "--hotkey-ss58",
            &owner_hot,
            "--amount",
            "500",
            "--safe",
            "--tolerance",
            "0.01",
            "--partial",
        ],
    ]
    .concat());
    let spent = f(&partial["tao_spent"]);
    assert!(spent > 0.0 && spent < 100.0, "{partial}");
    let bought = bought + f(&partial["alpha_bought"]);
    assert!((stake_on(&node, "alice", 1) - bought).abs() < 1e-8);
    let p1 = price(&node, 1);
    // --tolerance means nothing without --safe.
    let bare = node.run(
        &[&w("alice")[..], &["stake", "add", "--netuid", "1", "--amount", "1", "--tolerance", "0.1"]].concat(),
        None,
    );
    assert!(bare.code != 0 && bare.stderr.contains("--safe"), "{}", bare.stderr);

    // `stake list` values the alpha at the spot price.
    let listed = node.ok(&["stake", "list", "--wallet.name", "alice"]);
    let row = &listed["stakes"][0];
    let value = f(&row["alpha"]) * f(&row["price"]);
    assert!((f(&row["value"]) - value).abs() < 1e-6, "{row}");
    // At the raised spot price the alpha is worth more than it cost; sold now, less.
    let cost = 100.0 + spent;
    assert!(f(&row["value"]) > cost && f(&row["value_after_swap"]) < cost, "{row}, cost {cost}");

    // Sell a quarter back.
    let quarter = format!("{:.9}", bought / 4.0);
    let sold = node.ok(&[
        &w("alice")[..],
        &[
            "stake",
            "remove",
            "--netuid",
            "1",
            "--hotkey-ss58",
            &owner_hot,
            "--amount",
            &quarter,
            "--safe",
            "--tolerance",
            "0.2",
        ],
    ]
    .concat());
    assert!(f(&sold["tao_received"]) > 0.0 && (f(&sold["alpha_sold"]) - bought / 4.0).abs() < 1e-8, "{sold}");
    assert!(price(&node, 1) < p1, "a sale lowers the price");

    // Move a quarter onto root (sold on subnet 1, TAO staked on root), then give the rest to bob,
    // who swaps it to root too.
    let moved = node.ok(&[
        &w("alice")[..],
        &[
            "stake",
            "move",
            "--origin-netuid",
            "1",
            "--dest-netuid",
            "0",
            "--origin-hotkey",
            &owner_hot,
            "--dest-hotkey",
            &owner_hot,
            "--amount",
            &quarter,
        ],
    ]
    .concat());
    assert!(f(&moved["arrived"]) > 0.0, "{moved}");
    assert!(stake_on(&node, "alice", 0) > 0.0);
    let given = node.ok(&[
        &w("alice")[..],
        &["stake", "transfer", "--dest", &cold["bob"], "--origin-netuid", "1", "--hotkey-ss58", &owner_hot, "--all"],
    ]
    .concat());
    assert_eq!(f(&given["left"]), 0.0);
    let bob_alpha = stake_on(&node, "bob", 1);
    assert!(bob_alpha > 0.0 && (bob_alpha - f(&given["arrived"])).abs() < 1e-9);
    let same = node.run(
        &[&w("bob")[..], &["stake", "swap", "--origin-netuid", "1", "--hotkey-ss58", &owner_hot, "--all"]].concat(),
        None,
    );
    assert!(same.code != 0 && same.stderr.contains("SameNetuid"), "{}", same.stderr);
    let swapped = node.ok(&[
        &w("bob")[..],
        &[
            "stake",
            "swap",
            "--origin-netuid",
            "1",
            "--dest-netuid",
            "0",
            "--hotkey-ss58",
            &owner_hot,
            "--all",
            "--safe",
            "--tolerance",
            "0.5",
        ],
    ]
    .concat());
    assert!(f(&swapped["arrived"]) > 0.0 && stake_on(&node, "bob", 1) == 0.0, "{swapped}");
    assert_eq!(swapped["call"], "swap_stake_limit", "{swapped}");

    // Root claims: alice keeps her root dividends as alpha; the claim lands.
    node.ok(&[&w("alice")[..], &["root", "claim-type", "--type", "keep"]].concat());
    let claimed = node.ok(&[&w("alice")[..], &["root", "claim"]].concat());
    assert_eq!(claimed["netuids"], serde_json::json!([1]));
    assert_eq!(claimed["transactions"][0]["success"], true);
    let root_only = node.run(&[&w("alice")[..], &["root", "claim", "--netuid", "0"]].concat(), None);
    assert!(root_only.code != 0 && root_only.stderr.contains("no pool to claim from"), "{}", root_only.stderr);

    // The metagraph's stake is the owner hotkey's alpha plus TaoWeight (0.18 by default) × its
    // root stake, which alice's and bob's moves put there.
    let m = node.ok(&["subnets", "show", "--netuid", "1"]);
    let owner = &m["neurons"][0];
    let (alpha, root, total) = (f(&owner["alpha_stake"]), f(&owner["root_stake"]), f(&owner["stake"]));
    assert!(root > 0.0 && alpha > 0.0, "{owner}");
    assert!((total - alpha - 0.18 * root).abs() < 0.01 * root + 1e-6, "{owner}");
}

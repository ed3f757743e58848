//! Real, signed values the chain targets' corpora are made of: Agora transactions of every call
//! kind and Substrate v4 extrinsics as the reference clients build them, all signed
//! deterministically ([`crate::sign`]).

use agora_primitives::{AccountId, Balance, Hash, NetUid, Pair, blake2_256};
use agora_runtime::transaction::signing_payload;
use agora_runtime::{Call, GlobalUpdate, HyperparameterUpdate, SignedTransaction, SubnetIdentity};
use agora_substrate::checked::ChainView;
use agora_substrate::era::Era;
use agora_substrate::extrinsic::Mode;
use agora_substrate::pallets::{RuntimeCall, agora, balances, subtensor, timestamp};
use agora_substrate::types::{AccountId32, H256, MultiAddress, MultiSignature};
use parity_scale_codec::{Compact, Encode};

use crate::sign::sign;

/// The genesis hash the Agora transactions are signed for.
pub const GENESIS: Hash = Hash([9; 32]);

/// The height a Substrate extrinsic is checked at.
pub const HEIGHT: u64 = 901;

/// A chain of 1000 blocks with genesis `[7; 32]`, for [`agora_substrate::checked::Decoded::check`].
pub struct View;

impl ChainView for View {
    fn genesis_hash(&self) -> [u8; 32] {
        [7; 32]
    }

    fn block_hash(&self, height: u64) -> Option<[u8; 32]> {
        (height <= 1000).then(|| blake2_256(&height.to_le_bytes()).0)
    }
}

/// The key of account `n` (below 8), made once: expanding a key costs a scalar multiplication.
pub fn pair(n: u8) -> &'static Pair {
    static PAIRS: std::sync::OnceLock<Vec<Pair>> = std::sync::OnceLock::new();
    &PAIRS.get_or_init(|| (0..8).map(|n| Pair::from_seed(&[n; 32])).collect())[usize::from(n)]
}

fn account(n: u8) -> AccountId {
    pair(n).public()
}

/// One call of each kind, with realistic arguments.
pub fn calls() -> Vec<Call> {
    let uids: Vec<u16> = (0..64).collect();
    let weights: Vec<u16> = (0..64).map(|i| (i * 997 % 65_536) as u16).collect();
    vec![
        Call::Transfer { dest: account(2), amount: Balance(1_000_000_000) },
        Call::RegisterNetwork { hotkey: account(3) },
        Call::StartCall { netuid: NetUid(1) },
        Call::SetSubnetIdentity {
            netuid: NetUid(1),
            identity: SubnetIdentity {
                subnet_name: "text".into(),
                github_repo: "https://github.com/agora-network/agora".into(),
                subnet_contact: "ops@example.org".into(),
                subnet_url: "https://example.org".into(),
                discord: "agora#1234".into(),
                description: "Text generation, scored by a teacher model — ünïcödé".into(),
                logo_url: String::new(),
                additional: "x".repeat(100),
            },
        },
        Call::SudoSetHyperparameter { netuid: NetUid(1), update: HyperparameterUpdate::Tempo(360) },
        Call::SudoSetHyperparameter { netuid: NetUid(2), update: HyperparameterUpdate::BurnIncreaseMult(u128::MAX) },
        Call::SudoSetHyperparameter {
            netuid: NetUid(2),
            update: HyperparameterUpdate::CommitRevealWeightsEnabled(true),
        },
        Call::SudoSetGlobal { update: GlobalUpdate::TxFee(Balance(1000)) },
        Call::BurnedRegister { netuid: NetUid(1), hotkey: account(4) },
        Call::ServeAxon {
            netuid: NetUid(1),
            version: 10_002_000,
            ip: u128::from(u32::from_be_bytes([10, 0, 0, 7])),
            port: 8091,
            ip_type: 4,
            protocol: 4,
            placeholder1: 0,
            placeholder2: 0,
        },
        Call::AddStake { hotkey: account(4), netuid: NetUid(1), amount: Balance(5_000_000_000) },
        Call::RemoveStake { hotkey: account(4), netuid: NetUid(1), amount: Balance(1) },
        Call::IncreaseTake { hotkey: account(4), take: 11_796 },
        Call::DecreaseTake { hotkey: account(4), take: 0 },
        Call::RootRegister { hotkey: account(4) },
        Call::SetWeights { netuid: NetUid(1), dests: uids.clone(), weights: weights.clone(), version_key: 7 },
        Call::CommitWeights { netuid: NetUid(1), commit_hash: Hash([5; 32]) },
        Call::RevealWeights {
            netuid: NetUid(1),
            uids,
            values: weights,
            salt: vec![1, 2, 3, 4, 5, 6, 7, 8],
            version_key: 7,
        },
        Call::TransferAll { dest: account(2) },
        Call::RegisterLimit { netuid: NetUid(1), hotkey: account(4), limit_price: Balance(u64::MAX) },
    ]
}

/// `call` signed by account `signer` with `nonce`, for [`GENESIS`].
pub fn transaction(signer: u8, nonce: u64, call: Call) -> SignedTransaction {
    let pair = pair(signer);
    let payload = signing_payload(&GENESIS, &pair.public(), nonce, &call);
    SignedTransaction { signer: pair.public(), nonce, signature: sign(pair, payload.as_bytes()), call }
}

/// A transaction of every call kind, from a few signers and nonces.
pub fn transactions() -> Vec<SignedTransaction> {
    calls().into_iter().enumerate().map(|(i, call)| transaction(1 + (i % 3) as u8, i as u64 * 17, call)).collect()
}

fn id(n: u8) -> AccountId32 {
    AccountId32(account(n).0)
}

/// Reference calls: every one Agora maps, and a few it refuses after decoding.
pub fn runtime_calls() -> Vec<RuntimeCall> {
    use subtensor::Call as S;
    let uids: Vec<u16> = (0..200).collect();
    vec![
        RuntimeCall::Balances(balances::Call::transfer_keep_alive { dest: MultiAddress::Id(id(2)), value: 5 }),
        RuntimeCall::Balances(balances::Call::transfer_allow_death { dest: MultiAddress::Id(id(2)), value: u64::MAX }),
        RuntimeCall::Balances(balances::Call::transfer_all { dest: MultiAddress::Id(id(2)), keep_alive: true }),
        RuntimeCall::Balances(balances::Call::transfer_keep_alive { dest: MultiAddress::Index(3), value: 5 }),
        RuntimeCall::SubtensorModule(S::set_weights {
            netuid: 1,
            dests: uids.clone(),
            weights: vec![1; 200],
            version_key: 7,
        }),
        RuntimeCall::SubtensorModule(S::add_stake { hotkey: id(4), netuid: 1, amount_staked: 1_000_000_000 }),
        RuntimeCall::SubtensorModule(S::remove_stake { hotkey: id(4), netuid: 1, amount_unstaked: 1 }),
        RuntimeCall::SubtensorModule(S::add_stake_limit {
            hotkey: id(4),
            netuid: 1,
            amount_staked: 10,
            limit_price: 1_000_000_000,
            allow_partial: false,
        }),
        RuntimeCall::SubtensorModule(S::remove_stake_limit {
            hotkey: id(4),
            netuid: 1,
            amount_unstaked: 10,
            limit_price: 2_000_000_000,
            allow_partial: true,
        }),
        RuntimeCall::SubtensorModule(S::serve_axon {
            netuid: 1,
            version: 1,
            ip: 0x0a00_0007,
            port: 8091,
            ip_type: 4,
            protocol: 4,
            placeholder1: 0,
            placeholder2: 0,
        }),
        RuntimeCall::SubtensorModule(S::burned_register { netuid: 1, hotkey: id(4) }),
        RuntimeCall::SubtensorModule(S::register_network { hotkey: id(3) }),
        RuntimeCall::SubtensorModule(S::root_register { hotkey: id(4) }),
        RuntimeCall::SubtensorModule(S::decrease_take { hotkey: id(4), take: 1 }),
        RuntimeCall::SubtensorModule(S::increase_take { hotkey: id(4), take: 2 }),
        RuntimeCall::SubtensorModule(S::set_subnet_identity {
            netuid: 1,
            subnet_name: b"text".to_vec(),
            github_repo: b"https://github.com/agora-network/agora".to_vec(),
            subnet_contact: vec![0xff, 0xfe],
            subnet_url: Vec::new(),
            discord: Vec::new(),
            description: "ünïcödé".as_bytes().to_vec(),
            logo_url: Vec::new(),
            additional: Vec::new(),
        }),
        RuntimeCall::SubtensorModule(S::commit_weights { netuid: 1, commit_hash: H256([5; 32]) }),
        RuntimeCall::SubtensorModule(S::reveal_weights {
            netuid: 1,
            uids: vec![0, 1, 2],
            values: vec![3, 4, 5],
            salt: vec![6; 8],
            version_key: 7,
        }),
        RuntimeCall::SubtensorModule(S::set_mechanism_weights {
            netuid: 1,
            mecid: 0,
            dests: vec![0, 1],
            weights: vec![1, 1],
            version_key: 7,
        }),
        RuntimeCall::SubtensorModule(S::start_call { netuid: 1 }),
        RuntimeCall::SubtensorModule(S::register_limit { netuid: 1, hotkey: id(4), limit_price: 1 }),
        RuntimeCall::Timestamp(timestamp::Call::set { now: 1_700_000_000_000 }),
        RuntimeCall::Agora(agora::Call::transaction { bytes: transaction(1, 0, calls().remove(0)).encode() }),
    ]
}

/// A signed v4 extrinsic as the reference clients build one (`Compact(len) ‖ 0x84 ‖ signer ‖
/// signature ‖ era ‖ nonce ‖ tip ‖ mode ‖ call`), signed for [`View`] at [`HEIGHT`].
pub fn extrinsic(signer: u8, call: &RuntimeCall, era: Era, nonce: u32, tip: u64) -> Vec<u8> {
    extrinsic_of_bytes(signer, &call.encode(), era, nonce, tip, true)
}

/// A signature-shaped value that is no sr25519 signature (its last byte lacks schnorrkel's
/// marker bit).
pub const UNSIGNED: [u8; 64] = [0x5a; 64];

/// [`extrinsic`] for call bytes that need not decode (the signature covers whatever they are).
/// A birth block [`View`] does not know is signed as zeros. Unless `signed`, the signature is
/// [`UNSIGNED`] (which schnorrkel refuses without computing: signing and verifying cost tens of
/// microseconds, and nothing before the signature check depends on it).
pub fn extrinsic_of_bytes(signer: u8, call_bytes: &[u8], era: Era, nonce: u32, tip: u64, signed: bool) -> Vec<u8> {
    let pair = pair(signer);
    let genesis = View.genesis_hash();
    let birth = match era {
        Era::Immortal => genesis,
        Era::Mortal { .. } => View.block_hash(era.birth(HEIGHT)).unwrap_or_default(),
    };
    let signature = if signed {
        let payload = agora_substrate::checked::signing_payload(call_bytes, &era, nonce, tip, genesis, birth);
        sign(pair, &payload).0
    } else {
        UNSIGNED
    };
    let mut body = vec![0x84];
    MultiAddress::Id(AccountId32(pair.public().0)).encode_to(&mut body);
    MultiSignature::Sr25519(signature).encode_to(&mut body);
    era.encode_to(&mut body);
    Compact(nonce).encode_to(&mut body);
    Compact(tip).encode_to(&mut body);
    Mode::Disabled.encode_to(&mut body);
    body.extend_from_slice(call_bytes);
    with_length(&body)
}

/// `Compact(len) ‖ body`: the length prefix `author_submitExtrinsic` expects.
pub fn with_length(body: &[u8]) -> Vec<u8> {
    let mut out = Compact(body.len() as u32).encode();
    out.extend_from_slice(body);
    out
}

/// Extrinsics of every call, mortal and immortal, plus the refused shapes: a tip, an unsigned
/// (bare) extrinsic.
pub fn extrinsics() -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = runtime_calls()
        .iter()
        .enumerate()
        .map(|(i, call)| {
            let era = if i % 2 == 0 { Era::Immortal } else { Era::mortal(64, HEIGHT - 1) };
            extrinsic(1 + (i % 3) as u8, call, era, i as u32, 0)
        })
        .collect();
    let transfer = runtime_calls().remove(0);
    out.push(extrinsic(1, &transfer, Era::mortal(1 << 16, HEIGHT - 1), 3, 1));
    let mut bare = vec![0x04];
    bare.extend(transfer.encode());
    out.push(with_length(&bare));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use agora_substrate::checked::decode;

    #[test]
    fn the_samples_are_valid() {
        for tx in transactions() {
            assert!(tx.verify_signature(&GENESIS));
            assert_eq!(SignedTransaction::decode_checked(&tx.encode()).unwrap(), tx);
        }
        let xts = extrinsics();
        let checked = xts.iter().filter(|x| decode(x).is_ok_and(|d| d.check(&View, HEIGHT).is_ok())).count();
        // All but the refused calls (timestamp, Agora, the index address, a price limit), the tip
        // and the bare extrinsic.
        assert!(checked >= xts.len() - 7, "{checked} of {} check", xts.len());
        assert_eq!(transactions(), transactions(), "deterministic");
    }
}

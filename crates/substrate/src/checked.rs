//! Signed extrinsics (v4) in, Agora calls out: full decoding (no trailing bytes), the signed
//! extensions in the reference order, the signature over the reference payload, and the map
//! from the reference's calls to the runtime's (spec substrate-compat §5, §6).
//!
//! [`decode`] is pure and needs nothing from the chain; [`Decoded::check`] checks what depends
//! on the chain (versions, genesis, mortality, the signature) against a [`ChainView`]. Neither
//! reads state: balances, nonces and fees are the runtime's to check when the call runs.

use agora_primitives::{AccountId, Balance, Hash, NetUid, Signature, blake2_256, verify};
use agora_runtime::Call;
use parity_scale_codec::{Compact, Decode, Encode, Input};

use crate::era::Era;
use crate::extrinsic::Mode;
use crate::metadata::{SPEC_VERSION, TRANSACTION_VERSION};
use crate::pallets::{RuntimeCall, balances, subtensor};
use crate::types::{MultiAddress, MultiSignature};

/// The largest extrinsic accepted, in bytes (a weights call over 4096 uids fits easily).
pub const MAX_EXTRINSIC_BYTES: usize = 64 * 1024;

/// Why an extrinsic is refused; the texts are Substrate's where a client looks for them (the
/// SDK maps `has a bad signature`, `Transaction is outdated`, … to its own errors).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The bytes are not a well-formed extrinsic.
    #[error("Could not decode the extrinsic: {0}")]
    Malformed(String),
    /// Larger than [`MAX_EXTRINSIC_BYTES`].
    #[error("Transaction would exhaust the block limits: {0} bytes (at most {max})", max = MAX_EXTRINSIC_BYTES)]
    TooLarge(usize),
    /// Unsigned (bare) extrinsics are only the block's own inherents.
    #[error("Transaction call is not expected: unsigned extrinsics are not accepted")]
    Unsigned,
    /// Not sr25519.
    #[error("Transaction has a bad signature: only sr25519 signatures are accepted")]
    UnsupportedSignature,
    /// Not `MultiAddress::Id`.
    #[error("Could not lookup information required to validate the transaction: the signer must be an account id")]
    UnsupportedAddress,
    /// The signature does not match.
    #[error("Transaction has a bad signature")]
    BadSignature,
    /// Its birth block is unknown, or it was born too long ago.
    #[error("Transaction is outdated: its era ended or its birth block is unknown")]
    Outdated,
    /// A metadata hash was signed; Agora publishes none.
    #[error("Transaction has a bad signature: CheckMetadataHash mode must be Disabled")]
    MetadataHash,
    /// A tip; Agora's fees are fixed.
    #[error("Invalid transaction: tips are not supported (send tip 0)")]
    Tip,
    /// A call Agora does not run.
    #[error("Transaction call is not expected: {0}")]
    Unsupported(String),
}

/// A decoded signed extrinsic, not yet checked against the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// `blake2_256` of the whole extrinsic (the hash clients look for in blocks).
    pub hash: Hash,
    /// The signer.
    pub signer: AccountId,
    /// The sr25519 signature.
    pub signature: [u8; 64],
    /// Mortality.
    pub era: Era,
    /// Nonce.
    pub nonce: u32,
    /// Tip (rao).
    pub tip: u64,
    /// `CheckMetadataHash` mode.
    pub mode: Mode,
    /// The call as the reference encodes it.
    pub call: RuntimeCall,
    /// The call's bytes as sent.
    pub call_bytes: Vec<u8>,
}

/// What [`Decoded::check`] needs to know about the chain.
pub trait ChainView {
    /// The hash `chain_getBlockHash(0)` answers (signed into every extrinsic).
    fn genesis_hash(&self) -> [u8; 32];
    /// The hash of the finalised block at `height`, if known.
    fn block_hash(&self, height: u64) -> Option<[u8; 32]>;
}

/// A checked extrinsic: who, with which nonce, runs which Agora call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// `blake2_256` of the extrinsic.
    pub hash: Hash,
    /// The signer.
    pub signer: AccountId,
    /// Its nonce.
    pub nonce: u64,
    /// The call.
    pub call: Call,
    /// Mortality (checked again when a block includes it).
    pub era: Era,
}

/// Decodes an extrinsic as `author_submitExtrinsic` receives it (`Compact(len) ‖ body`).
pub fn decode(bytes: &[u8]) -> Result<Decoded, Refusal> {
    if bytes.len() > MAX_EXTRINSIC_BYTES {
        return Err(Refusal::TooLarge(bytes.len()));
    }
    let malformed = |what: &str| Refusal::Malformed(what.to_string());
    let mut input = bytes;
    let len = Compact::<u32>::decode(&mut input).map_err(|_| malformed("no length prefix"))?.0 as usize;
    if len != input.len() {
        return Err(malformed("the length prefix does not match the bytes"));
    }
    let version = input.read_byte().map_err(|_| malformed("empty"))?;
    match version {
        0x84 => {}
        0x04 => return Err(Refusal::Unsigned),
        other => return Err(Refusal::Malformed(format!("extrinsic version byte {other:#04x} (only v4 is accepted)"))),
    }
    let signer = match MultiAddress::decode(&mut input).map_err(|_| malformed("signer address"))? {
        MultiAddress::Id(id) => AccountId(id.0),
        _ => return Err(Refusal::UnsupportedAddress),
    };
    let signature = match MultiSignature::decode(&mut input).map_err(|_| malformed("signature"))? {
        MultiSignature::Sr25519(s) => s,
        _ => return Err(Refusal::UnsupportedSignature),
    };
    let era = Era::decode(&mut input).map_err(|e| Refusal::Malformed(format!("era: {e}")))?;
    let nonce = Compact::<u32>::decode(&mut input).map_err(|_| malformed("nonce"))?.0;
    let tip = Compact::<u64>::decode(&mut input).map_err(|_| malformed("tip"))?.0;
    let mode = Mode::decode(&mut input).map_err(|_| malformed("CheckMetadataHash mode"))?;
    let call_bytes = input.to_vec();
    let mut rest = input;
    let call = RuntimeCall::decode(&mut rest).map_err(|_| unknown_call(&call_bytes))?;
    if !rest.is_empty() {
        return Err(malformed("trailing bytes after the call"));
    }
    Ok(Decoded { hash: Hash(blake2_256(bytes).0), signer, signature, era, nonce, tip, mode, call, call_bytes })
}

fn unknown_call(bytes: &[u8]) -> Refusal {
    match bytes {
        [pallet, call, ..] => Refusal::Unsupported(format!(
            "call {pallet}.{call} (pallet index, call index) is not one Agora runs, or its arguments do not decode"
        )),
        _ => Refusal::Malformed("no call".into()),
    }
}

/// The bytes a signer signs: `call ‖ extra ‖ additional`, hashed when longer than 256 bytes.
pub fn signing_payload(call: &[u8], era: &Era, nonce: u32, tip: u64, genesis: [u8; 32], birth: [u8; 32]) -> Vec<u8> {
    let mut payload = call.to_vec();
    era.encode_to(&mut payload);
    Compact(nonce).encode_to(&mut payload);
    Compact(tip).encode_to(&mut payload);
    Mode::Disabled.encode_to(&mut payload);
    SPEC_VERSION.encode_to(&mut payload);
    TRANSACTION_VERSION.encode_to(&mut payload);
    payload.extend_from_slice(&genesis);
    payload.extend_from_slice(&birth);
    None::<[u8; 32]>.encode_to(&mut payload);
    if payload.len() > 256 { blake2_256(&payload).0.to_vec() } else { payload }
}

/// A signed v4 extrinsic as the reference clients build one: `call` signed by `pair` with
/// `era` (born at the block whose hash is `birth`; genesis for an immortal one), `nonce` and no
/// tip, for the chain whose block 0 has hash `genesis`.
pub fn sign(
    pair: &agora_primitives::Pair,
    call: &RuntimeCall,
    era: Era,
    nonce: u32,
    genesis: [u8; 32],
    birth: [u8; 32],
) -> Vec<u8> {
    sign_with_tip(pair, call, era, nonce, 0, genesis, birth)
}

/// [`sign`] with a tip (which Agora refuses; for tests of that refusal).
pub(crate) fn sign_with_tip(
    pair: &agora_primitives::Pair,
    call: &RuntimeCall,
    era: Era,
    nonce: u32,
    tip: u64,
    genesis: [u8; 32],
    birth: [u8; 32],
) -> Vec<u8> {
    let call_bytes = call.encode();
    let payload = signing_payload(&call_bytes, &era, nonce, tip, genesis, birth);
    let mut body = vec![0x84];
    MultiAddress::Id(crate::types::AccountId32(pair.public().0)).encode_to(&mut body);
    MultiSignature::Sr25519(pair.sign(&payload).0).encode_to(&mut body);
    era.encode_to(&mut body);
    Compact(nonce).encode_to(&mut body);
    Compact(tip).encode_to(&mut body);
    Mode::Disabled.encode_to(&mut body);
    body.extend_from_slice(&call_bytes);
    let mut out = Compact(body.len() as u32).encode();
    out.extend(body);
    out
}

impl Decoded {
    /// Checks it for inclusion in the block at `height`: the metadata-hash mode, no tip, the
    /// era, the signature over the reference payload, and that the call maps to an Agora call.
    pub fn check(&self, chain: &impl ChainView, height: u64) -> Result<Checked, Refusal> {
        if self.mode != Mode::Disabled {
            return Err(Refusal::MetadataHash);
        }
        if self.tip != 0 {
            return Err(Refusal::Tip);
        }
        if !self.era.valid_at(height) {
            return Err(Refusal::Outdated);
        }
        let genesis = chain.genesis_hash();
        let birth = match self.era {
            Era::Immortal => genesis,
            Era::Mortal { .. } => chain.block_hash(self.era.birth(height)).ok_or(Refusal::Outdated)?,
        };
        let payload = signing_payload(&self.call_bytes, &self.era, self.nonce, self.tip, genesis, birth);
        if !verify(&self.signer, &payload, &Signature(self.signature)) {
            return Err(Refusal::BadSignature);
        }
        Ok(Checked {
            hash: self.hash,
            signer: self.signer,
            nonce: u64::from(self.nonce),
            call: to_agora(&self.call)?,
            era: self.era,
        })
    }
}

/// The Agora call a reference call runs as.
pub fn to_agora(call: &RuntimeCall) -> Result<Call, Refusal> {
    use agora_runtime::root_claims::RootClaimType;
    use subtensor::{Call as S, RootClaimTypeEnum};
    let account = |a: &crate::types::AccountId32| AccountId(a.0);
    let dest = |d: &MultiAddress| match d {
        MultiAddress::Id(id) => Ok(AccountId(id.0)),
        _ => Err(Refusal::UnsupportedAddress),
    };
    Ok(match call {
        RuntimeCall::Balances(balances::Call::transfer_allow_death { dest: d, value })
        | RuntimeCall::Balances(balances::Call::transfer_keep_alive { dest: d, value }) => {
            Call::Transfer { dest: dest(d)?, amount: Balance(*value) }
        }
        RuntimeCall::Balances(balances::Call::transfer_all { dest: d, .. }) => Call::TransferAll { dest: dest(d)? },
        RuntimeCall::Timestamp(_) => {
            return Err(Refusal::Unsupported("Timestamp.set is the block's own inherent".into()));
        }
        RuntimeCall::Agora(_) => {
            return Err(Refusal::Unsupported(
                "Agora.transaction only shows Agora's own transactions in blocks; submit those through Agora's RPC"
                    .into(),
            ));
        }
        RuntimeCall::SubtensorModule(s) => match s {
            S::set_weights { netuid, dests, weights, version_key }
            | S::set_mechanism_weights { netuid, mecid: 0, dests, weights, version_key } => Call::SetWeights {
                netuid: NetUid(*netuid),
                dests: dests.clone(),
                weights: weights.clone(),
                version_key: *version_key,
            },
            S::set_mechanism_weights { .. } => {
                return Err(Refusal::Unsupported("MechanismDoesNotExist: Agora subnets have mechanism 0 only".into()));
            }
            S::add_stake { hotkey, netuid, amount_staked } => {
                Call::AddStake { hotkey: account(hotkey), netuid: NetUid(*netuid), amount: Balance(*amount_staked) }
            }
            S::add_stake_limit { hotkey, netuid, amount_staked, limit_price, allow_partial } => Call::AddStakeLimit {
                hotkey: account(hotkey),
                netuid: NetUid(*netuid),
                amount: Balance(*amount_staked),
                limit_price: *limit_price,
                allow_partial: *allow_partial,
            },
            S::remove_stake { hotkey, netuid, amount_unstaked } => Call::RemoveStake {
                hotkey: account(hotkey),
                netuid: NetUid(*netuid),
                amount: Balance(*amount_unstaked),
            },
            S::remove_stake_limit { hotkey, netuid, amount_unstaked, limit_price, allow_partial } => {
                Call::RemoveStakeLimit {
                    hotkey: account(hotkey),
                    netuid: NetUid(*netuid),
                    amount: *amount_unstaked,
                    limit_price: *limit_price,
                    allow_partial: *allow_partial,
                }
            }
            S::unstake_all { hotkey } => Call::UnstakeAll { hotkey: account(hotkey) },
            S::unstake_all_alpha { hotkey } => Call::UnstakeAllAlpha { hotkey: account(hotkey) },
            S::move_stake { origin_hotkey, destination_hotkey, origin_netuid, destination_netuid, alpha_amount } => {
                Call::MoveStake {
                    origin_hotkey: account(origin_hotkey),
                    destination_hotkey: account(destination_hotkey),
                    origin_netuid: NetUid(*origin_netuid),
                    destination_netuid: NetUid(*destination_netuid),
                    amount: *alpha_amount,
                }
            }
            S::transfer_stake { destination_coldkey, hotkey, origin_netuid, destination_netuid, alpha_amount } => {
                Call::TransferStake {
                    destination_coldkey: account(destination_coldkey),
                    hotkey: account(hotkey),
                    origin_netuid: NetUid(*origin_netuid),
                    destination_netuid: NetUid(*destination_netuid),
                    amount: *alpha_amount,
                }
            }
            S::swap_stake { hotkey, origin_netuid, destination_netuid, alpha_amount } => Call::SwapStake {
                hotkey: account(hotkey),
                origin_netuid: NetUid(*origin_netuid),
                destination_netuid: NetUid(*destination_netuid),
                amount: *alpha_amount,
            },
            S::swap_stake_limit {
                hotkey,
                origin_netuid,
                destination_netuid,
                alpha_amount,
                limit_price,
                allow_partial,
            } => Call::SwapStakeLimit {
                hotkey: account(hotkey),
                origin_netuid: NetUid(*origin_netuid),
                destination_netuid: NetUid(*destination_netuid),
                amount: *alpha_amount,
                limit_price: *limit_price,
                allow_partial: *allow_partial,
            },
            S::remove_stake_full_limit { hotkey, netuid, limit_price } => Call::RemoveStakeFullLimit {
                hotkey: account(hotkey),
                netuid: NetUid(*netuid),
                limit_price: *limit_price,
            },
            S::recycle_alpha { hotkey, amount, netuid } => {
                Call::RecycleAlpha { hotkey: account(hotkey), amount: *amount, netuid: NetUid(*netuid) }
            }
            S::burn_alpha { hotkey, amount, netuid } => {
                Call::BurnAlpha { hotkey: account(hotkey), amount: *amount, netuid: NetUid(*netuid) }
            }
            S::claim_root { subnets } => Call::ClaimRoot { subnets: subnets.iter().map(|n| NetUid(*n)).collect() },
            S::set_root_claim_type { new_root_claim_type } => Call::SetRootClaimType {
                claim_type: match new_root_claim_type {
                    RootClaimTypeEnum::Swap => RootClaimType::Swap,
                    RootClaimTypeEnum::Keep => RootClaimType::Keep,
                    RootClaimTypeEnum::KeepSubnets { subnets } => {
                        RootClaimType::KeepSubnets(subnets.iter().map(|n| NetUid(*n)).collect())
                    }
                },
            },
            S::serve_axon { netuid, version, ip, port, ip_type, protocol, placeholder1, placeholder2 } => {
                Call::ServeAxon {
                    netuid: NetUid(*netuid),
                    version: *version,
                    ip: *ip,
                    port: *port,
                    ip_type: *ip_type,
                    protocol: *protocol,
                    placeholder1: *placeholder1,
                    placeholder2: *placeholder2,
                }
            }
            S::burned_register { netuid, hotkey } => {
                Call::BurnedRegister { netuid: NetUid(*netuid), hotkey: account(hotkey) }
            }
            S::register_limit { netuid, hotkey, limit_price } => Call::RegisterLimit {
                netuid: NetUid(*netuid),
                hotkey: account(hotkey),
                limit_price: Balance(*limit_price),
            },
            S::register_network { hotkey } => Call::RegisterNetwork { hotkey: account(hotkey) },
            S::root_register { hotkey } => Call::RootRegister { hotkey: account(hotkey) },
            S::decrease_take { hotkey, take } => Call::DecreaseTake { hotkey: account(hotkey), take: *take },
            S::increase_take { hotkey, take } => Call::IncreaseTake { hotkey: account(hotkey), take: *take },
            S::start_call { netuid } => Call::StartCall { netuid: NetUid(*netuid) },
            S::set_subnet_identity {
                netuid,
                subnet_name,
                github_repo,
                subnet_contact,
                subnet_url,
                discord,
                description,
                logo_url,
                additional,
            } => {
                let text = |field: &Vec<u8>| {
                    String::from_utf8(field.clone()).map_err(|_| {
                        Refusal::Unsupported("set_subnet_identity: Agora keeps identity fields as UTF-8 text".into())
                    })
                };
                let identity = agora_runtime::SubnetIdentity {
                    subnet_name: text(subnet_name)?,
                    github_repo: text(github_repo)?,
                    subnet_contact: text(subnet_contact)?,
                    subnet_url: text(subnet_url)?,
                    discord: text(discord)?,
                    description: text(description)?,
                    logo_url: text(logo_url)?,
                    additional: text(additional)?,
                };
                Call::SetSubnetIdentity { netuid: NetUid(*netuid), identity }
            }
            S::commit_weights { netuid, commit_hash } => {
                Call::CommitWeights { netuid: NetUid(*netuid), commit_hash: Hash(commit_hash.0) }
            }
            S::reveal_weights { netuid, uids, values, salt, version_key } => Call::RevealWeights {
                netuid: NetUid(*netuid),
                uids: uids.clone(),
                values: values.clone(),
                salt: salt.clone(),
                version_key: *version_key,
            },
        },
    })
}

/// One TAO per alpha, in rao: the TAO era's price.
pub const PRICE_ONE: u64 = 1_000_000_000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::AccountId32;
    use agora_primitives::Pair;

    struct View;

    impl ChainView for View {
        fn genesis_hash(&self) -> [u8; 32] {
            [7; 32]
        }
        fn block_hash(&self, height: u64) -> Option<[u8; 32]> {
            (height <= 1000).then(|| blake2_256(&height.to_le_bytes()).0)
        }
    }

    /// A signed extrinsic as the reference clients build one.
    fn sign(pair: &Pair, call: &RuntimeCall, era: Era, nonce: u32, tip: u64, birth: [u8; 32]) -> Vec<u8> {
        sign_with_tip(pair, call, era, nonce, tip, View.genesis_hash(), birth)
    }

    fn transfer(to: [u8; 32], value: u64) -> RuntimeCall {
        RuntimeCall::Balances(balances::Call::transfer_keep_alive { dest: MultiAddress::Id(AccountId32(to)), value })
    }

    #[test]
    fn a_signed_transfer_checks_and_maps_to_agoras_transfer() {
        let alice = Pair::from_seed(&[1; 32]);
        let era = Era::mortal(64, 900);
        let xt = sign(&alice, &transfer([2; 32], 5), era, 3, 0, View.block_hash(era.birth(901)).unwrap());
        let decoded = decode(&xt).unwrap();
        assert_eq!(decoded.hash, Hash(blake2_256(&xt).0));
        let checked = decoded.check(&View, 901).unwrap();
        assert_eq!(checked.signer, alice.public());
        assert_eq!(checked.nonce, 3);
        assert_eq!(checked.call, Call::Transfer { dest: AccountId([2; 32]), amount: Balance(5) });
        // Out of its era, or in the block of its birth: outdated.
        assert_eq!(decoded.check(&View, 900 + 64 + 64).unwrap_err(), Refusal::Outdated);
        // Immortal: signed against genesis, valid anywhere.
        let xt = sign(&alice, &transfer([2; 32], 5), Era::Immortal, 0, 0, View.genesis_hash());
        assert!(decode(&xt).unwrap().check(&View, 5).is_ok());
    }

    #[test]
    fn long_calls_are_signed_through_their_hash() {
        let alice = Pair::from_seed(&[1; 32]);
        let call = RuntimeCall::SubtensorModule(subtensor::Call::set_weights {
            netuid: 1,
            dests: (0..200).collect(),
            weights: vec![1; 200],
            version_key: 0,
        });
        let xt = sign(&alice, &call, Era::Immortal, 0, 0, View.genesis_hash());
        let checked = decode(&xt).unwrap().check(&View, 10).unwrap();
        assert!(matches!(checked.call, Call::SetWeights { .. }));
    }

    #[test]
    fn bad_extrinsics_are_refused_with_the_reference_reasons() {
        let alice = Pair::from_seed(&[1; 32]);
        let good = sign(&alice, &transfer([2; 32], 5), Era::Immortal, 0, 0, View.genesis_hash());
        // Another genesis (or spec version): the signature does not match.
        let other = sign(&alice, &transfer([2; 32], 5), Era::Immortal, 0, 0, [9; 32]);
        assert_eq!(decode(&other).unwrap().check(&View, 5).unwrap_err(), Refusal::BadSignature);
        assert!(Refusal::BadSignature.to_string().contains("has a bad signature"));
        let tipped = sign(&alice, &transfer([2; 32], 5), Era::Immortal, 0, 1, View.genesis_hash());
        assert_eq!(decode(&tipped).unwrap().check(&View, 5).unwrap_err(), Refusal::Tip);
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(matches!(decode(&trailing), Err(Refusal::Malformed(_))));
        let mut unsigned = good.clone();
        let body = Compact::<u32>::decode(&mut &good[..]).unwrap().0 as usize;
        unsigned[good.len() - body] = 0x04;
        assert_eq!(decode(&unsigned), Err(Refusal::Unsigned));
        assert!(matches!(decode(&good[..good.len() - 3]), Err(Refusal::Malformed(_))));
        let mine = RuntimeCall::SubtensorModule(subtensor::Call::set_mechanism_weights {
            netuid: 1,
            mecid: 1,
            dests: vec![0],
            weights: vec![1],
            version_key: 0,
        });
        assert!(matches!(to_agora(&mine), Err(Refusal::Unsupported(_))));
        let owner = AccountId32([4; 32]);
        let create = RuntimeCall::SubtensorModule(subtensor::Call::register_network { hotkey: owner });
        assert_eq!(to_agora(&create), Ok(Call::RegisterNetwork { hotkey: AccountId([4; 32]) }));
        let take = RuntimeCall::SubtensorModule(subtensor::Call::increase_take { hotkey: owner, take: 100 });
        assert_eq!(to_agora(&take), Ok(Call::IncreaseTake { hotkey: AccountId([4; 32]), take: 100 }));
        let identity = |name: Vec<u8>| {
            RuntimeCall::SubtensorModule(subtensor::Call::set_subnet_identity {
                netuid: 1,
                subnet_name: name,
                github_repo: vec![],
                subnet_contact: vec![],
                subnet_url: vec![],
                discord: vec![],
                description: vec![],
                logo_url: vec![],
                additional: vec![],
            })
        };
        assert!(matches!(to_agora(&identity(b"sum".to_vec())), Ok(Call::SetSubnetIdentity { .. })));
        assert!(matches!(to_agora(&identity(vec![0xff])), Err(Refusal::Unsupported(_))), "not UTF-8");
        assert!(matches!(decode(&vec![0u8; MAX_EXTRINSIC_BYTES + 1]), Err(Refusal::TooLarge(_))));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            if let Ok(d) = decode(&bytes) {
                let _ = d.check(&View, 500);
            }
        }

        #[test]
        fn a_good_extrinsic_with_any_byte_flipped_never_passes_as_another(i in 0usize..140, bit in 0u8..8) {
            let alice = Pair::from_seed(&[1; 32]);
            let xt = sign(&alice, &transfer([2; 32], 5), Era::Immortal, 0, 0, View.genesis_hash());
            let mut bad = xt.clone();
            let i = i % bad.len();
            bad[i] ^= 1 << bit;
            if let Ok(d) = decode(&bad)
                && let Ok(c) = d.check(&View, 5)
            {
                // Only a change that keeps the signed content (none exists) could pass.
                proptest::prop_assert_eq!(c.call, Call::Transfer { dest: AccountId([2; 32]), amount: Balance(5) });
                proptest::prop_assert_eq!(c.signer, alice.public());
            }
        }
    }
}

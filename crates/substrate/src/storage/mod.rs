//! Storage as the clients address it: each served item's Substrate key layout
//! (`twox_128(pallet) ‖ twox_128(item) ‖ hashed keys`, spec substrate-compat §4), its value
//! type for the metadata, and how its value is read from Agora's state.
//!
//! A key is decoded in full (prefix, every hasher, every key's width, no trailing bytes); a
//! key that names no served item, or whose hash part does not match its key, reads as absent.

use agora_primitives::{AccountId, NetUid, Uid};
use agora_runtime::query;
use agora_runtime::state::{KEYS, LAST_UPDATE, NETWORKS, OWNER, SUBNETWORK_N, UIDS, VALIDATOR_PERMIT};
use agora_runtime::storage::StorageRead;
use frame_metadata::v15::{StorageEntryModifier, StorageHasher};
use parity_scale_codec::Encode;
use scale_info::{MetaType, meta_type};

use crate::hashing::{blake2_128, storage_prefix, twox_64};
use crate::pallets::RuntimeEvent;
use crate::types::{ACCOUNT_FLAGS, AccountData, AccountId32, AccountInfo, EventRecord};

/// How one key of a map is hashed into the storage key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hasher {
    /// The key's bytes as they are.
    Identity,
    /// `blake2_128(key) ‖ key`.
    Blake2_128Concat,
    /// `twox_64(key) ‖ key`.
    Twox64Concat,
}

impl Hasher {
    fn hash_len(self) -> usize {
        match self {
            Hasher::Identity => 0,
            Hasher::Blake2_128Concat => 16,
            Hasher::Twox64Concat => 8,
        }
    }

    fn hash(self, key: &[u8]) -> Vec<u8> {
        match self {
            Hasher::Identity => Vec::new(),
            Hasher::Blake2_128Concat => blake2_128(key).to_vec(),
            Hasher::Twox64Concat => twox_64(key).to_vec(),
        }
    }

    /// The metadata's name for it.
    pub fn metadata(self) -> StorageHasher {
        match self {
            Hasher::Identity => StorageHasher::Identity,
            Hasher::Blake2_128Concat => StorageHasher::Blake2_128Concat,
            Hasher::Twox64Concat => StorageHasher::Twox64Concat,
        }
    }
}

/// Reads an item's value (SCALE) for the encoded keys of one entry; `None` when absent.
mod clients;

type Read = fn(&dyn StorageRead, &[&[u8]]) -> Option<Vec<u8>>;
/// Lists the encoded keys of every present entry of a map.
type List = fn(&dyn StorageRead) -> Vec<Vec<Vec<u8>>>;

/// One served storage item.
#[derive(Clone)]
pub struct Item {
    /// Pallet name (the key's first prefix).
    pub pallet: &'static str,
    /// Item name.
    pub name: &'static str,
    /// Hasher and encoded width of each key, in order (empty for a plain value).
    pub keys: &'static [(Hasher, usize)],
    /// Type of the key (a tuple for several keys); unused for plain values.
    pub key_ty: fn() -> MetaType,
    /// Type of the value.
    pub value_ty: fn() -> MetaType,
    /// `Optional` (absent reads as `None`) rather than `Default`.
    pub optional: bool,
    /// The value a client decodes when the node says `null`: the default value of a `Default`
    /// item, `None` (one zero byte) of an `Optional` one.
    pub default: fn() -> Vec<u8>,
    /// What it holds.
    pub docs: &'static str,
    read: Read,
    list: List,
}

impl Item {
    /// The 32-byte prefix of its keys.
    pub fn prefix(&self) -> [u8; 32] {
        storage_prefix(self.pallet, self.name)
    }

    /// The full storage key for these encoded keys.
    pub fn key(&self, keys: &[&[u8]]) -> Vec<u8> {
        let mut out = self.prefix().to_vec();
        for ((hasher, _), key) in self.keys.iter().zip(keys) {
            out.extend(hasher.hash(key));
            out.extend_from_slice(key);
        }
        out
    }

    /// The metadata modifier.
    pub fn modifier(&self) -> StorageEntryModifier {
        if self.optional { StorageEntryModifier::Optional } else { StorageEntryModifier::Default }
    }

    /// Splits the part of a storage key after the prefix into the encoded keys, checking every
    /// hash; `None` if it is not a well-formed key of this item.
    fn split<'k>(&self, mut rest: &'k [u8]) -> Option<Vec<&'k [u8]>> {
        let mut keys = Vec::with_capacity(self.keys.len());
        for &(hasher, width) in self.keys {
            let need = hasher.hash_len() + width;
            if rest.len() < need {
                return None;
            }
            let (hash, key) = rest[..need].split_at(hasher.hash_len());
            if hasher.hash(key) != hash {
                return None;
            }
            keys.push(key);
            rest = &rest[need..];
        }
        rest.is_empty().then_some(keys)
    }

    /// Every present key of this item, as full storage keys.
    pub fn storage_keys(&self, s: &dyn StorageRead) -> Vec<Vec<u8>> {
        if self.keys.is_empty() {
            return if (self.read)(s, &[]).is_some() { vec![self.prefix().to_vec()] } else { Vec::new() };
        }
        (self.list)(s).iter().map(|keys| self.key(&keys.iter().map(Vec::as_slice).collect::<Vec<_>>())).collect()
    }
}

/// The value at a storage key, SCALE-encoded; `None` when absent or not a served key.
pub fn read(s: &dyn StorageRead, key: &[u8]) -> Option<Vec<u8>> {
    let (item, keys) = resolve(key)?;
    (item.read)(s, &keys)
}

/// The served item a storage key belongs to, with its encoded keys.
pub fn resolve(key: &[u8]) -> Option<(&'static Item, Vec<&[u8]>)> {
    let prefix = key.get(..32)?;
    let item = ITEMS.iter().find(|i| i.prefix() == prefix)?;
    Some((item, item.split(&key[32..])?))
}

/// Every present storage key starting with `prefix`, ascending (for `state_getKeys*`). A prefix
/// shorter than an item's prefix covers every item under it.
pub fn keys_with_prefix(s: &dyn StorageRead, prefix: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for item in ITEMS.iter() {
        let item_prefix = item.prefix();
        let covers = prefix.len() <= 32 && item_prefix.starts_with(prefix);
        let inside = prefix.len() > 32 && prefix.starts_with(&item_prefix);
        if covers || inside {
            out.extend(item.storage_keys(s).into_iter().filter(|k| k.starts_with(prefix)));
        }
    }
    out.sort();
    out
}

fn netuid(key: &[u8]) -> Option<NetUid> {
    Some(NetUid(u16::from_le_bytes(key.try_into().ok()?)))
}

fn account(key: &[u8]) -> Option<AccountId> {
    Some(AccountId(key.try_into().ok()?))
}

fn netuids(s: &dyn StorageRead) -> Vec<Vec<Vec<u8>>> {
    NETWORKS.iter(s).into_iter().map(|(n, _)| vec![n.get().encode()]).collect()
}

fn hyper<T>(
    s: &dyn StorageRead,
    keys: &[&[u8]],
    f: fn(&agora_runtime::hyperparams::SubnetHyperparams) -> T,
) -> Option<T> {
    Some(f(&query::subnet(s, netuid(keys[0])?)?.hyperparameters))
}

fn encoded<T: Encode>(value: T) -> Vec<u8> {
    value.encode()
}

fn account_info(s: &dyn StorageRead, keys: &[&[u8]]) -> Option<Vec<u8>> {
    let who = account(keys[0])?;
    let (free, nonce) = (query::balance(s, &who).rao(), query::nonce(s, &who));
    if free == 0 && nonce == 0 {
        return None;
    }
    let data = AccountData { free, reserved: 0, frozen: 0, flags: ACCOUNT_FLAGS };
    let nonce = u32::try_from(nonce).unwrap_or(u32::MAX);
    Some(AccountInfo { nonce, consumers: 0, providers: 1, sufficients: 0, data }.encode())
}

fn default_account() -> Vec<u8> {
    AccountInfo { data: AccountData { flags: ACCOUNT_FLAGS, ..AccountData::default() }, ..AccountInfo::default() }
        .encode()
}

/// The default of `Optional` items: `None`.
fn none() -> Vec<u8> {
    None::<()>.encode()
}

const NETUID: &[(Hasher, usize)] = &[(Hasher::Identity, 2)];

/// Every storage item served (spec substrate-compat §4): Agora's state ([`CORE`]) and what the
/// current clients read that has no counterpart in Agora yet ([`clients::ITEMS`]).
pub static ITEMS: std::sync::LazyLock<Vec<Item>> =
    std::sync::LazyLock::new(|| CORE.iter().chain(clients::ITEMS).cloned().collect());

/// The items read from Agora's state.
static CORE: &[Item] = &[
    Item {
        pallet: "System",
        name: "Account",
        keys: &[(Hasher::Blake2_128Concat, 32)],
        key_ty: meta_type::<AccountId32>,
        value_ty: meta_type::<AccountInfo>,
        optional: false,
        default: default_account,
        docs: "An account's nonce and balances (free = Agora's balance in rao).",
        read: account_info,
        list: |s| agora_runtime::state::BALANCES.iter(s).into_iter().map(|(a, _)| vec![a.0.to_vec()]).collect(),
    },
    Item {
        pallet: "System",
        name: "Events",
        keys: &[],
        key_ty: meta_type::<()>,
        value_ty: meta_type::<Vec<EventRecord<RuntimeEvent>>>,
        optional: false,
        default: || Vec::<()>::new().encode(),
        docs: "The events of the block (served from its receipts by the node, see `body::events`).",
        read: |_, _| None,
        list: |_| Vec::new(),
    },
    Item {
        pallet: "SubtensorModule",
        name: "NetworksAdded",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<bool>,
        optional: false,
        default: || false.encode(),
        docs: "Whether a subnet exists.",
        read: |s, k| netuid(k[0]).filter(|n| NETWORKS.contains(s, n)).map(|_| true.encode()),
        list: netuids,
    },
    Item {
        pallet: "SubtensorModule",
        name: "Tempo",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<u16>,
        optional: false,
        default: || 360u16.encode(),
        docs: "Blocks between a subnet's epochs.",
        read: |s, k| hyper(s, k, |h| h.tempo).map(encoded),
        list: netuids,
    },
    Item {
        pallet: "SubtensorModule",
        name: "Burn",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<u64>,
        optional: false,
        default: || 0u64.encode(),
        docs: "The current registration burn (rao).",
        read: |s, k| netuid(k[0]).and_then(|n| query::subnet(s, n)).map(|v| v.burn.rao().encode()),
        list: netuids,
    },
    Item {
        pallet: "SubtensorModule",
        name: "SubnetworkN",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<u16>,
        optional: false,
        default: || 0u16.encode(),
        docs: "Registered uids of a subnet.",
        read: |s, k| netuid(k[0]).filter(|n| NETWORKS.contains(s, n)).map(|n| SUBNETWORK_N.get(s, &n).encode()),
        list: netuids,
    },
    Item {
        pallet: "SubtensorModule",
        name: "Uids",
        keys: &[(Hasher::Identity, 2), (Hasher::Blake2_128Concat, 32)],
        key_ty: meta_type::<(u16, AccountId32)>,
        value_ty: meta_type::<u16>,
        optional: true,
        default: none,
        docs: "The uid of a hotkey on a subnet.",
        read: |s, k| UIDS.try_get(s, &(netuid(k[0])?, account(k[1])?)).map(|u| u.get().encode()),
        list: |s| UIDS.iter(s).into_iter().map(|((n, h), _)| vec![n.get().encode(), h.0.to_vec()]).collect(),
    },
    Item {
        pallet: "SubtensorModule",
        name: "Keys",
        keys: &[(Hasher::Identity, 2), (Hasher::Identity, 2)],
        key_ty: meta_type::<(u16, u16)>,
        value_ty: meta_type::<AccountId32>,
        optional: false,
        default: || [0u8; 32].encode(),
        docs: "The hotkey at a uid.",
        read: |s, k| {
            let uid = u16::from_le_bytes(k[1].try_into().ok()?);
            KEYS.try_get(s, &(netuid(k[0])?, Uid(uid))).map(|h| h.0.encode())
        },
        list: |s| KEYS.iter(s).into_iter().map(|((n, u), _)| vec![n.get().encode(), u.get().encode()]).collect(),
    },
    Item {
        pallet: "SubtensorModule",
        name: "Owner",
        keys: &[(Hasher::Blake2_128Concat, 32)],
        key_ty: meta_type::<AccountId32>,
        value_ty: meta_type::<AccountId32>,
        optional: false,
        default: || [0u8; 32].encode(),
        docs: "The coldkey that owns a hotkey.",
        read: |s, k| agora_runtime::state::OWNER.try_get(s, &account(k[0])?).map(|c| c.0.encode()),
        list: |s| agora_runtime::state::OWNER.iter(s).into_iter().map(|(h, _)| vec![h.0.to_vec()]).collect(),
    },
    Item {
        pallet: "SubtensorModule",
        name: "LastUpdate",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<Vec<u64>>,
        optional: false,
        default: || Vec::<u64>::new().encode(),
        docs: "Block of each uid's last weights (key: mechanism × 4096 + netuid; Agora has mechanism 0).",
        read: |s, k| netuid(k[0]).filter(|n| NETWORKS.contains(s, n)).map(|n| LAST_UPDATE.get(s, &n).encode()),
        list: netuids,
    },
    Item {
        pallet: "SubtensorModule",
        name: "ValidatorPermit",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<Vec<bool>>,
        optional: false,
        default: || Vec::<bool>::new().encode(),
        docs: "Each uid's validator permit.",
        read: |s, k| netuid(k[0]).filter(|n| NETWORKS.contains(s, n)).map(|n| VALIDATOR_PERMIT.get(s, &n).encode()),
        list: netuids,
    },
    Item {
        pallet: "SubtensorModule",
        name: "WeightsSetRateLimit",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<u64>,
        optional: false,
        default: || 100u64.encode(),
        docs: "Blocks between two weight settings of one hotkey.",
        read: |s, k| hyper(s, k, |h| h.weights_rate_limit).map(encoded),
        list: netuids,
    },
    Item {
        pallet: "SubtensorModule",
        name: "MinAllowedWeights",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<u16>,
        optional: false,
        default: || 1024u16.encode(),
        docs: "Fewest weights a validator may set.",
        read: |s, k| hyper(s, k, |h| h.min_allowed_weights).map(encoded),
        list: netuids,
    },
    Item {
        pallet: "SubtensorModule",
        name: "MaxWeightsLimit",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<u16>,
        optional: false,
        default: || u16::MAX.encode(),
        docs: "Largest single weight (u16 proportion).",
        read: |s, k| hyper(s, k, |h| h.max_weight_limit).map(encoded),
        list: netuids,
    },
    Item {
        pallet: "SubtensorModule",
        name: "CommitRevealWeightsEnabled",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<bool>,
        optional: false,
        default: || true.encode(),
        docs: "Whether weights are committed then revealed.",
        read: |s, k| hyper(s, k, |h| h.commit_reveal).map(encoded),
        list: netuids,
    },
    Item {
        pallet: "SubtensorModule",
        name: "IsNetworkMember",
        keys: &[(Hasher::Blake2_128Concat, 32), (Hasher::Identity, 2)],
        key_ty: meta_type::<(AccountId32, u16)>,
        value_ty: meta_type::<bool>,
        optional: false,
        default: || false.encode(),
        docs: "Whether a hotkey is registered on a subnet.",
        read: |s, k| UIDS.contains(s, &(netuid(k[1])?, account(k[0])?)).then(|| true.encode()),
        list: |s| UIDS.iter(s).into_iter().map(|((n, h), _)| vec![h.0.to_vec(), n.get().encode()]).collect(),
    },
    Item {
        pallet: "SubtensorModule",
        name: "OwnedHotkeys",
        keys: &[(Hasher::Blake2_128Concat, 32)],
        key_ty: meta_type::<AccountId32>,
        value_ty: meta_type::<Vec<AccountId32>>,
        optional: false,
        default: || Vec::<AccountId32>::new().encode(),
        docs: "The hotkeys a coldkey owns.",
        read: |s, k| {
            let coldkey = account(k[0])?;
            let owned: Vec<[u8; 32]> =
                OWNER.iter(s).into_iter().filter(|(_, c)| *c == coldkey).map(|(h, _)| h.0).collect();
            (!owned.is_empty()).then(|| owned.encode())
        },
        list: |s| {
            let mut coldkeys: Vec<[u8; 32]> = OWNER.iter(s).into_iter().map(|(_, c)| c.0).collect();
            coldkeys.sort();
            coldkeys.dedup();
            coldkeys.into_iter().map(|c| vec![c.to_vec()]).collect()
        },
    },
    Item {
        pallet: "SubtensorModule",
        name: "BlocksSinceLastStep",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<u64>,
        optional: false,
        default: || 0u64.encode(),
        docs: "Blocks since the subnet's last epoch.",
        read: |s, k| {
            let view = query::subnet(s, netuid(k[0])?)?;
            let now = agora_runtime::state::BLOCK_NUMBER.get(s);
            Some(now.saturating_sub(view.last_epoch_block.get()).encode())
        },
        list: netuids,
    },
    Item {
        pallet: "SubtensorModule",
        name: "SubnetOwner",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<AccountId32>,
        optional: false,
        default: || [0u8; 32].encode(),
        docs: "A subnet's owner coldkey.",
        read: |s, k| query::subnet(s, netuid(k[0])?)?.owner.map(|o| o.0.encode()),
        list: netuids,
    },
    Item {
        pallet: "SubtensorModule",
        name: "SubnetOwnerHotkey",
        keys: NETUID,
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<AccountId32>,
        optional: false,
        default: || [0u8; 32].encode(),
        docs: "A subnet's owner hotkey.",
        read: |s, k| query::subnet(s, netuid(k[0])?)?.owner_hotkey.map(|o| o.0.encode()),
        list: netuids,
    },
    Item {
        pallet: "SubtensorModule",
        name: "MechanismCountCurrent",
        keys: &[(Hasher::Twox64Concat, 2)],
        key_ty: meta_type::<u16>,
        value_ty: meta_type::<u8>,
        optional: false,
        default: || 1u8.encode(),
        docs: "Mechanisms of a subnet (always 1 on Agora).",
        read: |s, k| netuid(k[0]).filter(|n| NETWORKS.contains(s, n)).map(|_| 1u8.encode()),
        list: netuids,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use agora_runtime::storage::MemoryStorage;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn the_account_key_of_alice_is_the_reference_one() {
        let alice: [u8; 32] = {
            let text = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
            core::array::from_fn(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap())
        };
        let item = &ITEMS[0];
        let key = item.key(&[&alice]);
        assert_eq!(
            hex(&key[..48]),
            "26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9de1e86a9a8c739864cf3cc5ec2bea59f"
        );
        let (found, keys) = resolve(&key).unwrap();
        assert_eq!((found.name, keys[0]), ("Account", &alice[..]));
        // A wrong hash, a short key and a trailing byte are not keys.
        let mut bad = key.clone();
        bad[40] ^= 1;
        assert!(resolve(&bad).is_none());
        assert!(resolve(&key[..60]).is_none());
        assert!(resolve(&[key.clone(), vec![0]].concat()).is_none());
    }

    #[test]
    fn accounts_read_as_account_info_and_absent_ones_as_nothing() {
        let mut s = MemoryStorage::new();
        let who = AccountId([7; 32]);
        agora_runtime::state::BALANCES.insert(&mut s, &who, &5_000_000_000);
        agora_runtime::state::NONCES.insert(&mut s, &who, &3);
        let bytes = read(&s, &ITEMS[0].key(&[&who.0])).unwrap();
        let info = <AccountInfo as parity_scale_codec::Decode>::decode(&mut &bytes[..]).unwrap();
        assert_eq!((info.nonce, info.providers, info.data.free, info.data.flags), (3, 1, 5_000_000_000, ACCOUNT_FLAGS));
        assert_eq!(bytes.len(), 56);
        assert!(read(&s, &ITEMS[0].key(&[&[8; 32]])).is_none());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_keys_never_panic(key in proptest::collection::vec(proptest::num::u8::ANY, 0..120)) {
            let s = MemoryStorage::new();
            let _ = read(&s, &key);
            let _ = keys_with_prefix(&s, &key);
        }
    }
}

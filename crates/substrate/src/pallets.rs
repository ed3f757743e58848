//! The pallets Agora presents, with the reference chain's names and indices (spec
//! substrate-compat §3.2, §5, §8): their calls, events and errors as Rust types whose derived
//! type information becomes the metadata. A call here is one the runtime can run.

#![allow(non_camel_case_types)] // call names are the reference's snake_case names

use parity_scale_codec::{Decode, Encode};
use scale_info::TypeInfo;

use crate::types::{AccountId32, DispatchError, DispatchEventInfo, H256, MultiAddress};

/// Pallet indices (finney's).
pub mod index {
    /// `System`.
    pub const SYSTEM: u8 = 0;
    /// `Timestamp`.
    pub const TIMESTAMP: u8 = 2;
    /// `Aura`.
    pub const AURA: u8 = 3;
    /// `Balances`.
    pub const BALANCES: u8 = 5;
    /// `TransactionPayment`.
    pub const TRANSACTION_PAYMENT: u8 = 6;
    /// `SubtensorModule`.
    pub const SUBTENSOR: u8 = 7;
    /// `Commitments` (storage only: Agora keeps no commitments yet).
    pub const COMMITMENTS: u8 = 18;
    /// `Agora`: Agora's own transactions as blocks show them (no reference counterpart).
    pub const AGORA: u8 = 200;
}

/// `System`.
pub mod system {
    use super::*;

    /// `System`'s events.
    #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
    pub enum Event {
        /// An extrinsic succeeded.
        #[codec(index = 0)]
        ExtrinsicSuccess {
            /// Its dispatch info.
            dispatch_info: DispatchEventInfo,
        },
        /// An extrinsic failed.
        #[codec(index = 1)]
        ExtrinsicFailed {
            /// Why.
            dispatch_error: DispatchError,
            /// Its dispatch info.
            dispatch_info: DispatchEventInfo,
        },
    }
}

/// `Timestamp`.
pub mod timestamp {
    use super::*;

    /// `Timestamp`'s calls: the inherent that opens every block.
    #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
    pub enum Call {
        /// Sets the block's time (ms).
        #[codec(index = 0)]
        set {
            /// Milliseconds since the Unix epoch.
            #[codec(compact)]
            now: u64,
        },
    }
}

/// `Balances`.
pub mod balances {
    use super::*;

    /// `Balances`' calls (all run as Agora's `transfer`).
    #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
    pub enum Call {
        /// Transfers `value` rao to `dest`.
        #[codec(index = 0)]
        transfer_allow_death {
            /// Recipient.
            dest: MultiAddress,
            /// Rao.
            #[codec(compact)]
            value: u64,
        },
        /// Transfers `value` rao to `dest`, refusing to leave the sender below the existential
        /// deposit.
        #[codec(index = 3)]
        transfer_keep_alive {
            /// Recipient.
            dest: MultiAddress,
            /// Rao.
            #[codec(compact)]
            value: u64,
        },
        /// Transfers the whole free balance less the fee (and the existential deposit when
        /// `keep_alive`).
        #[codec(index = 4)]
        transfer_all {
            /// Recipient.
            dest: MultiAddress,
            /// Keep the sender alive.
            keep_alive: bool,
        },
    }

    /// `Balances`' events.
    #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
    pub enum Event {
        /// A transfer.
        #[codec(index = 2)]
        Transfer {
            /// Sender.
            from: AccountId32,
            /// Recipient.
            to: AccountId32,
            /// Rao.
            amount: u64,
        },
    }
}

/// `TransactionPayment`.
pub mod transaction_payment {
    use super::*;

    /// `TransactionPayment`'s events.
    #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
    pub enum Event {
        /// A fee was paid.
        #[codec(index = 0)]
        TransactionFeePaid {
            /// Payer.
            who: AccountId32,
            /// Fee (rao).
            actual_fee: u64,
            /// Tip (rao).
            tip: u64,
        },
    }
}

/// `SubtensorModule`.
pub mod subtensor {
    use super::*;

    /// `SubtensorModule`'s calls that Agora runs (spec §5).
    #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
    pub enum Call {
        /// Sets weights (subnets without commit-reveal).
        #[codec(index = 0)]
        set_weights {
            /// Subnet.
            netuid: u16,
            /// Target uids.
            dests: Vec<u16>,
            /// u16 weights.
            weights: Vec<u16>,
            /// Version key.
            version_key: u64,
        },
        /// Stakes from the signing coldkey.
        #[codec(index = 2)]
        add_stake {
            /// Hotkey.
            hotkey: AccountId32,
            /// Subnet.
            netuid: u16,
            /// Rao.
            amount_staked: u64,
        },
        /// Unstakes to the signing coldkey.
        #[codec(index = 3)]
        remove_stake {
            /// Hotkey.
            hotkey: AccountId32,
            /// Subnet.
            netuid: u16,
            /// Rao.
            amount_unstaked: u64,
        },
        /// Publishes the signing hotkey's axon.
        #[codec(index = 4)]
        serve_axon {
            /// Subnet.
            netuid: u16,
            /// Software version.
            version: u32,
            /// Address.
            ip: u128,
            /// Port.
            port: u16,
            /// 4 or 6.
            ip_type: u8,
            /// Protocol.
            protocol: u8,
            /// Reserved.
            placeholder1: u8,
            /// Reserved.
            placeholder2: u8,
        },
        /// Registers `hotkey` by burning the registration cost from the signing coldkey.
        #[codec(index = 7)]
        burned_register {
            /// Subnet.
            netuid: u16,
            /// Hotkey.
            hotkey: AccountId32,
        },
        /// Creates a subnet owned by the signing coldkey, `hotkey` its owner hotkey.
        #[codec(index = 59)]
        register_network {
            /// The owner's hotkey.
            hotkey: AccountId32,
        },
        /// Registers `hotkey` on the root network.
        #[codec(index = 62)]
        root_register {
            /// Hotkey.
            hotkey: AccountId32,
        },
        /// Lowers a delegate's take.
        #[codec(index = 65)]
        decrease_take {
            /// The delegate hotkey (owned by the signer).
            hotkey: AccountId32,
            /// The new take (u16 proportion).
            take: u16,
        },
        /// Raises a delegate's take (rate-limited).
        #[codec(index = 66)]
        increase_take {
            /// The delegate hotkey (owned by the signer).
            hotkey: AccountId32,
            /// The new take (u16 proportion).
            take: u16,
        },
        /// Sets a subnet's identity (its owner only). Fields are UTF-8 text on Agora.
        #[codec(index = 78)]
        set_subnet_identity {
            /// Subnet.
            netuid: u16,
            /// Display name.
            subnet_name: Vec<u8>,
            /// Source repository.
            github_repo: Vec<u8>,
            /// Contact.
            subnet_contact: Vec<u8>,
            /// Web site.
            subnet_url: Vec<u8>,
            /// Discord.
            discord: Vec<u8>,
            /// Description.
            description: Vec<u8>,
            /// Logo URL.
            logo_url: Vec<u8>,
            /// Anything else.
            additional: Vec<u8>,
        },
        /// `add_stake` with a price limit (rao per alpha; 1 TAO per alpha in the TAO era).
        #[codec(index = 88)]
        add_stake_limit {
            /// Hotkey.
            hotkey: AccountId32,
            /// Subnet.
            netuid: u16,
            /// Rao.
            amount_staked: u64,
            /// Highest acceptable price (rao per alpha).
            limit_price: u64,
            /// Accept a partial fill.
            allow_partial: bool,
        },
        /// `remove_stake` with a price limit.
        #[codec(index = 89)]
        remove_stake_limit {
            /// Hotkey.
            hotkey: AccountId32,
            /// Subnet.
            netuid: u16,
            /// Rao.
            amount_unstaked: u64,
            /// Lowest acceptable price (rao per alpha).
            limit_price: u64,
            /// Accept a partial fill.
            allow_partial: bool,
        },
        /// Unstakes everything on a hotkey, on every subnet.
        #[codec(index = 83)]
        unstake_all {
            /// Hotkey.
            hotkey: AccountId32,
        },
        /// Unstakes everything on a hotkey except root, and stakes the TAO on root.
        #[codec(index = 84)]
        unstake_all_alpha {
            /// Hotkey.
            hotkey: AccountId32,
        },
        /// Moves stake to another hotkey and/or subnet.
        #[codec(index = 85)]
        move_stake {
            /// Hotkey the stake is on.
            origin_hotkey: AccountId32,
            /// Hotkey it goes to.
            destination_hotkey: AccountId32,
            /// Subnet it is on.
            origin_netuid: u16,
            /// Subnet it goes to.
            destination_netuid: u16,
            /// Alpha (rao).
            alpha_amount: u64,
        },
        /// Hands stake to another coldkey.
        #[codec(index = 86)]
        transfer_stake {
            /// Recipient coldkey.
            destination_coldkey: AccountId32,
            /// Hotkey.
            hotkey: AccountId32,
            /// Subnet it is on.
            origin_netuid: u16,
            /// Subnet it goes to.
            destination_netuid: u16,
            /// Alpha (rao).
            alpha_amount: u64,
        },
        /// Swaps stake into another subnet.
        #[codec(index = 87)]
        swap_stake {
            /// Hotkey.
            hotkey: AccountId32,
            /// Subnet it is on.
            origin_netuid: u16,
            /// Subnet it goes to.
            destination_netuid: u16,
            /// Alpha (rao).
            alpha_amount: u64,
        },
        /// `swap_stake` with a price limit (the origin's alpha in the destination's).
        #[codec(index = 90)]
        swap_stake_limit {
            /// Hotkey.
            hotkey: AccountId32,
            /// Subnet it is on.
            origin_netuid: u16,
            /// Subnet it goes to.
            destination_netuid: u16,
            /// Alpha (rao).
            alpha_amount: u64,
            /// Lowest acceptable price (rao per alpha).
            limit_price: u64,
            /// Accept a partial fill.
            allow_partial: bool,
        },
        /// Unstakes a whole position, with an optional price limit.
        #[codec(index = 103)]
        remove_stake_full_limit {
            /// Hotkey.
            hotkey: AccountId32,
            /// Subnet.
            netuid: u16,
            /// Lowest acceptable price (rao per alpha), if any.
            limit_price: Option<u64>,
        },
        /// Destroys staked alpha out of the subnet's supply.
        #[codec(index = 101)]
        recycle_alpha {
            /// Hotkey.
            hotkey: AccountId32,
            /// Alpha (rao).
            amount: u64,
            /// Subnet.
            netuid: u16,
        },
        /// Destroys staked alpha, counted as burned.
        #[codec(index = 102)]
        burn_alpha {
            /// Hotkey.
            hotkey: AccountId32,
            /// Alpha (rao).
            amount: u64,
            /// Subnet.
            netuid: u16,
        },
        /// Claims root dividends on 1 to 5 subnets.
        #[codec(index = 121)]
        claim_root {
            /// Subnets (a set).
            subnets: Vec<u16>,
        },
        /// Chooses how root dividends are taken.
        #[codec(index = 122)]
        set_root_claim_type {
            /// Swap, Keep or KeepSubnets.
            new_root_claim_type: RootClaimTypeEnum,
        },
        /// Commits a hash of weights.
        #[codec(index = 96)]
        commit_weights {
            /// Subnet.
            netuid: u16,
            /// The hash.
            commit_hash: H256,
        },
        /// Reveals committed weights.
        #[codec(index = 97)]
        reveal_weights {
            /// Subnet.
            netuid: u16,
            /// Uids.
            uids: Vec<u16>,
            /// Values.
            values: Vec<u16>,
            /// Salt.
            salt: Vec<u16>,
            /// Version key.
            version_key: u64,
        },
        /// `set_weights` for a mechanism (Agora has mechanism 0 only).
        #[codec(index = 119)]
        set_mechanism_weights {
            /// Subnet.
            netuid: u16,
            /// Mechanism.
            mecid: u8,
            /// Target uids.
            dests: Vec<u16>,
            /// u16 weights.
            weights: Vec<u16>,
            /// Version key.
            version_key: u64,
        },
        /// Starts a subnet's emission (its owner, after the start delay).
        #[codec(index = 92)]
        start_call {
            /// Subnet.
            netuid: u16,
        },
        /// `burned_register` with a limit on the burn.
        #[codec(index = 134)]
        register_limit {
            /// Subnet.
            netuid: u16,
            /// Hotkey.
            hotkey: AccountId32,
            /// Highest acceptable burn (rao).
            limit_price: u64,
        },
    }

    /// How a coldkey takes its root dividends (the reference's `RootClaimTypeEnum`).
    #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
    pub enum RootClaimTypeEnum {
        /// Sell the alpha and restake the TAO on root.
        #[codec(index = 0)]
        Swap,
        /// Keep the alpha.
        #[codec(index = 1)]
        Keep,
        /// Keep on these subnets.
        #[codec(index = 2)]
        KeepSubnets {
            /// Subnets (a set).
            subnets: Vec<u16>,
        },
    }

    /// How a subnet's epoch reaches consensus (Agora's subnets all run Yuma).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
    pub enum EpochConsensus {
        /// Yuma consensus.
        #[codec(index = 0)]
        Yuma,
        /// No consensus (weights are not used).
        #[codec(index = 1)]
        Null,
    }

    /// A coldkey's choice for its root dividends (`Swap` to TAO, `Keep` as alpha).
    #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
    pub enum RootClaimType {
        /// Swap to TAO.
        #[codec(index = 0)]
        Swap,
        /// Keep as alpha.
        #[codec(index = 1)]
        Keep,
        /// Keep on these subnets, swap elsewhere.
        #[codec(index = 2)]
        KeepSubnets {
            /// The subnets.
            subnets: std::collections::BTreeSet<u16>,
        },
    }

    /// A stake lock (none on Agora yet).
    #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
    pub struct LockState {
        /// Locked alpha.
        pub locked_mass: u64,
        /// Conviction.
        pub conviction: crate::info::U64F64,
        /// Block of the last update.
        pub last_update: u64,
    }

    /// `SubtensorModule`'s events that Agora emits.
    #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
    pub enum Event {
        /// `(coldkey, hotkey, tao, alpha, netuid, fee)`.
        #[codec(index = 2)]
        StakeAdded(AccountId32, AccountId32, u64, u64, u16, u64),
        /// `(coldkey, hotkey, tao, alpha, netuid, fee)`.
        #[codec(index = 3)]
        StakeRemoved(AccountId32, AccountId32, u64, u64, u16, u64),
        /// `(netuid, uid)`.
        #[codec(index = 5)]
        WeightsSet(u16, u16),
        /// `(netuid, uid, hotkey)`.
        #[codec(index = 6)]
        NeuronRegistered(u16, u16, AccountId32),
        /// `(netuid, hotkey)`.
        #[codec(index = 28)]
        AxonServed(u16, AccountId32),
    }
}

/// `Commitments`: the value types of its storage (empty on Agora; the SDK's metagraph reads it).
pub mod commitments {
    use super::*;

    /// `pallet_identity::types::Data` as commitments use it (Agora stores none; the variants a
    /// reader needs to know the shape).
    #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
    pub enum Data {
        /// Nothing.
        #[codec(index = 0)]
        None,
    }

    /// `pallet_commitments::types::CommitmentInfo`.
    #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
    pub struct CommitmentInfo {
        /// The committed fields.
        pub fields: Vec<Data>,
    }

    /// `pallet_commitments::types::Registration`.
    #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
    pub struct Registration {
        /// Deposit held (rao).
        pub deposit: u64,
        /// Block of the commitment.
        pub block: u32,
        /// What was committed.
        pub info: CommitmentInfo,
    }
}

/// `Agora`: how a block shows a transaction submitted through Agora's own RPC.
pub mod agora {
    use super::*;

    /// `Agora`'s calls (never accepted from a client: they appear only in served blocks).
    #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
    pub enum Call {
        /// An Agora transaction (SCALE of `agora_runtime::SignedTransaction`), shown unsigned
        /// because its signature is Agora's, not the Substrate payload's.
        #[codec(index = 0)]
        transaction {
            /// Its bytes.
            bytes: Vec<u8>,
        },
    }
}

pub use crate::{RuntimeCall, RuntimeEvent};

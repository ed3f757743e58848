//! Shapes shared by several API values: endpoints, identities and the `substrate_fixed`
//! fixed-point numbers (which the clients decode as `{bits: n}`).

use parity_scale_codec::{Decode, Encode};
use scale_info::build::Fields;
use scale_info::{Path, Type, TypeInfo};

/// A neuron's axon endpoint (`AxonInfo`); all zero when never served (ip 0 = not served).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct AxonInfo {
    /// Block it was served.
    pub block: u64,
    /// Software version.
    pub version: u32,
    /// Address (IPv4 in the low 32 bits).
    pub ip: u128,
    /// Port.
    pub port: u16,
    /// 4 or 6.
    pub ip_type: u8,
    /// Protocol tag.
    pub protocol: u8,
    /// Reserved.
    pub placeholder1: u8,
    /// Reserved.
    pub placeholder2: u8,
}

impl From<agora_runtime::state::AxonInfo> for AxonInfo {
    fn from(a: agora_runtime::state::AxonInfo) -> Self {
        AxonInfo {
            block: a.block,
            version: a.version,
            ip: a.ip,
            port: a.port,
            ip_type: a.ip_type,
            protocol: a.protocol,
            placeholder1: a.placeholder1,
            placeholder2: a.placeholder2,
        }
    }
}

/// A neuron's Prometheus endpoint (`PrometheusInfo`); Agora has none, so always zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct PrometheusInfo {
    /// Block it was served.
    pub block: u64,
    /// Software version.
    pub version: u32,
    /// Address.
    pub ip: u128,
    /// Port.
    pub port: u16,
    /// 4 or 6.
    pub ip_type: u8,
}

/// A subnet's identity (`SubnetIdentityV3`), every field UTF-8 bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct SubnetIdentityV3 {
    /// Display name.
    pub subnet_name: Vec<u8>,
    /// Source repository.
    pub github_repo: Vec<u8>,
    /// Contact.
    pub subnet_contact: Vec<u8>,
    /// Web site.
    pub subnet_url: Vec<u8>,
    /// Discord.
    pub discord: Vec<u8>,
    /// Description.
    pub description: Vec<u8>,
    /// Logo URL.
    pub logo_url: Vec<u8>,
    /// Anything else.
    pub additional: Vec<u8>,
}

impl From<agora_runtime::SubnetIdentity> for SubnetIdentityV3 {
    fn from(i: agora_runtime::SubnetIdentity) -> Self {
        SubnetIdentityV3 {
            subnet_name: i.subnet_name.into_bytes(),
            github_repo: i.github_repo.into_bytes(),
            subnet_contact: i.subnet_contact.into_bytes(),
            subnet_url: i.subnet_url.into_bytes(),
            discord: i.discord.into_bytes(),
            description: i.description.into_bytes(),
            logo_url: i.logo_url.into_bytes(),
            additional: i.additional.into_bytes(),
        }
    }
}

/// A coldkey's identity (`ChainIdentityV2`). Agora keeps none: every entry served is `None`;
/// the type is declared so the metadata describes the reference's shape.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct ChainIdentityV2 {
    /// Name.
    pub name: Vec<u8>,
    /// URL.
    pub url: Vec<u8>,
    /// Source repository.
    pub github_repo: Vec<u8>,
    /// Image.
    pub image: Vec<u8>,
    /// Discord.
    pub discord: Vec<u8>,
    /// Description.
    pub description: Vec<u8>,
    /// Anything else.
    pub additional: Vec<u8>,
}

/// Declares a `substrate_fixed` number: a struct with one named field `bits`, under the
/// reference's type path, which the clients decode as `{bits: n}`.
macro_rules! fixed {
    ($(#[$doc:meta])* $name:ident, $path_name:literal, $bits:ty) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode)]
        pub struct $name {
            /// The raw bits.
            pub bits: $bits,
        }

        impl TypeInfo for $name {
            type Identity = Self;

            fn type_info() -> Type {
                Type::builder()
                    .path(Path::new($path_name, "substrate_fixed"))
                    .composite(Fields::named().field(|f| f.ty::<$bits>().name("bits").type_name(stringify!($bits))))
            }
        }
    };
}

fixed!(
    /// `I96F32` (`substrate_fixed::FixedI128` with 32 fractional bits).
    I96F32,
    "FixedI128",
    i128
);
fixed!(
    /// `I32F32` (`substrate_fixed::FixedI64` with 32 fractional bits).
    I32F32,
    "FixedI64",
    i64
);
fixed!(
    /// `I64F64` (`substrate_fixed::FixedI128` with 64 fractional bits).
    I64F64,
    "FixedI128",
    i128
);
fixed!(
    /// `U64F64` (`substrate_fixed::FixedU128` with 64 fractional bits).
    U64F64,
    "FixedU128",
    u128
);

impl I96F32 {
    /// 1.0.
    pub const ONE: I96F32 = I96F32 { bits: 1 << 32 };
}

impl I32F32 {
    /// An integer as `I32F32`.
    pub fn from_int(value: i32) -> Self {
        I32F32 { bits: i64::from(value) << 32 }
    }
}

//! Signed transactions: format, signing payload, decoding with limits, and hashing.
//!
//! # Format (SCALE)
//!
//! ```text
//! SignedTransaction = signer: [u8; 32] ‖ nonce: u64 (LE) ‖ call: Call ‖ signature: [u8; 64]
//! signing payload   = blake2b-256( "agora/tx/v1" ‖ genesis_hash[32] ‖ SCALE(signer, nonce, call) )
//! tx hash           = blake2b-256( SCALE(SignedTransaction) )
//! ```
//!
//! The signature is sr25519 under the Substrate signing context over the 32-byte payload. The
//! domain tag and the genesis hash make a signature valid on exactly one chain and for nothing but
//! a transaction; changing either is a breaking change.

use agora_primitives::{AccountId, Hash, Pair, Signature, blake2_256, blake2_256_concat, verify};
use parity_scale_codec::{Decode, DecodeLimit, Encode};
use serde::{Deserialize, Serialize};

use crate::call::{Call, MAX_WEIGHTS_LEN};
use crate::error::TransactionError;

/// Domain tag of the signing payload.
pub const TX_SIGNING_DOMAIN: &[u8] = b"agora/tx/v1";

/// Largest encoded transaction accepted (bytes).
pub const MAX_TX_BYTES: usize = 64 * 1024;

/// A transaction signed by `signer`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct SignedTransaction {
    /// Coldkey or hotkey that signed (the call's origin).
    pub signer: AccountId,
    /// The signer's nonce: its number of previously included transactions.
    pub nonce: u64,
    /// What to do.
    pub call: Call,
    /// sr25519 signature of [`signing_payload`].
    pub signature: Signature,
}

/// The 32 bytes a transaction's signature covers.
pub fn signing_payload(genesis_hash: &Hash, signer: &AccountId, nonce: u64, call: &Call) -> Hash {
    blake2_256_concat(&[TX_SIGNING_DOMAIN, genesis_hash.as_bytes(), &(signer, nonce, call).encode()])
}

impl SignedTransaction {
    /// Builds and signs a transaction for the chain with `genesis_hash`.
    pub fn sign(pair: &Pair, genesis_hash: &Hash, nonce: u64, call: Call) -> Self {
        let signer = pair.public();
        let payload = signing_payload(genesis_hash, &signer, nonce, &call);
        let signature = pair.sign(payload.as_bytes());
        SignedTransaction { signer, nonce, call, signature }
    }

    /// The transaction hash.
    pub fn hash(&self) -> Hash {
        blake2_256(&self.encode())
    }

    /// Whether the signature is valid for the chain with `genesis_hash`.
    pub fn verify_signature(&self, genesis_hash: &Hash) -> bool {
        let payload = signing_payload(genesis_hash, &self.signer, self.nonce, &self.call);
        verify(&self.signer, payload.as_bytes(), &self.signature)
    }

    /// Checks the limits that do not depend on state: vector lengths.
    pub fn check_limits(&self) -> Result<(), TransactionError> {
        let len = self.call.longest_vector();
        if len > MAX_WEIGHTS_LEN {
            return Err(TransactionError::VectorTooLong { len, max: MAX_WEIGHTS_LEN });
        }
        Ok(())
    }

    /// Decodes a transaction from untrusted bytes: size limit, full consumption, known call,
    /// vector limits. Never panics.
    pub fn decode_checked(bytes: &[u8]) -> Result<SignedTransaction, TransactionError> {
        if bytes.len() > MAX_TX_BYTES {
            return Err(TransactionError::Oversized { len: bytes.len(), max: MAX_TX_BYTES });
        }
        let tx = SignedTransaction::decode_all_with_depth_limit(16, &mut &bytes[..]).map_err(|e| {
            // 32-byte signer + 8-byte nonce, then the call's variant index.
            match bytes.get(40) {
                Some(&index) if Call::decode(&mut &bytes[40..]).is_err() && !known_call_index(index) => {
                    TransactionError::UnknownCall(index)
                }
                _ => TransactionError::Malformed(e.to_string()),
            }
        })?;
        tx.check_limits()?;
        Ok(tx)
    }
}

/// A transaction as a block hands it to the runtime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transaction {
    /// Agora's own envelope: the runtime checks its signature.
    Signed(SignedTransaction),
    /// Another envelope whose signature the host checked (a Substrate extrinsic: its signature
    /// covers block hashes that only the host knows). The runtime trusts `signer`.
    Authenticated(Authenticated),
}

/// A transaction whose origin the host has authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authenticated {
    /// Its hash in its own envelope (what clients look it up by).
    pub hash: Hash,
    /// The origin.
    pub signer: AccountId,
    /// The signer's nonce, in the same sequence as Agora's own transactions.
    pub nonce: u64,
    /// What to do.
    pub call: Call,
    /// Size of its envelope in bytes (counted against a block's byte budget).
    pub size: usize,
}

impl Transaction {
    /// Its hash.
    pub fn hash(&self) -> Hash {
        match self {
            Transaction::Signed(tx) => tx.hash(),
            Transaction::Authenticated(tx) => tx.hash,
        }
    }

    /// The origin.
    pub fn signer(&self) -> &AccountId {
        match self {
            Transaction::Signed(tx) => &tx.signer,
            Transaction::Authenticated(tx) => &tx.signer,
        }
    }

    /// The nonce.
    pub fn nonce(&self) -> u64 {
        match self {
            Transaction::Signed(tx) => tx.nonce,
            Transaction::Authenticated(tx) => tx.nonce,
        }
    }

    /// The call.
    pub fn call(&self) -> &Call {
        match self {
            Transaction::Signed(tx) => &tx.call,
            Transaction::Authenticated(tx) => &tx.call,
        }
    }

    /// Size of its envelope in bytes.
    pub fn size(&self) -> usize {
        match self {
            Transaction::Signed(tx) => tx.encoded_size(),
            Transaction::Authenticated(tx) => tx.size,
        }
    }
}

impl From<SignedTransaction> for Transaction {
    fn from(tx: SignedTransaction) -> Self {
        Transaction::Signed(tx)
    }
}

fn known_call_index(index: u8) -> bool {
    index <= 17
}

#[cfg(test)]
mod tests {
    use super::*;
    use agora_primitives::{Balance, NetUid};

    fn tx() -> SignedTransaction {
        let pair = Pair::from_seed(&[1; 32]);
        let call = Call::Transfer { dest: AccountId([2; 32]), amount: Balance(5) };
        SignedTransaction::sign(&pair, &Hash([9; 32]), 0, call)
    }

    #[test]
    fn signature_binds_chain_nonce_and_call() {
        let t = tx();
        assert!(t.verify_signature(&Hash([9; 32])));
        assert!(!t.verify_signature(&Hash([8; 32])));
        let mut bumped = t.clone();
        bumped.nonce = 1;
        assert!(!bumped.verify_signature(&Hash([9; 32])));
        let mut changed = t.clone();
        changed.call = Call::Transfer { dest: AccountId([2; 32]), amount: Balance(6) };
        assert!(!changed.verify_signature(&Hash([9; 32])));
    }

    #[test]
    fn decode_round_trip_and_rejections() {
        let t = tx();
        let bytes = t.encode();
        assert_eq!(SignedTransaction::decode_checked(&bytes).unwrap(), t);
        // Trailing garbage.
        let mut long = bytes.clone();
        long.push(0);
        assert!(matches!(SignedTransaction::decode_checked(&long), Err(TransactionError::Malformed(_))));
        // Truncated.
        assert!(matches!(SignedTransaction::decode_checked(&bytes[..20]), Err(TransactionError::Malformed(_))));
        // Unknown call index.
        let mut unknown = bytes.clone();
        unknown[40] = 200;
        assert_eq!(SignedTransaction::decode_checked(&unknown), Err(TransactionError::UnknownCall(200)));
        // Oversized.
        let huge = vec![0u8; MAX_TX_BYTES + 1];
        assert!(matches!(SignedTransaction::decode_checked(&huge), Err(TransactionError::Oversized { .. })));
        assert!(SignedTransaction::decode_checked(&[]).is_err());
    }

    #[test]
    fn oversized_vectors_are_rejected() {
        let pair = Pair::from_seed(&[1; 32]);
        let call = Call::SetWeights {
            netuid: NetUid(1),
            dests: vec![0; MAX_WEIGHTS_LEN + 1],
            weights: vec![0; MAX_WEIGHTS_LEN + 1],
            version_key: 0,
        };
        let t = SignedTransaction::sign(&pair, &Hash([9; 32]), 0, call);
        assert!(matches!(SignedTransaction::decode_checked(&t.encode()), Err(TransactionError::VectorTooLong { .. })));
    }
}

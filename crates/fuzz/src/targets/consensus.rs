//! Consensus messages from peers: simplex votes (the votes channel) and certificates (the
//! certificates channel and the resolver's answers), decoded with the node's signing scheme and
//! digest and the codec configuration the engine gives them (certificates bounded by the
//! validator count).

use agora_node::engine::{NAMESPACE, Scheme};
use commonware_codec::{Copying, Decode, DecodeExt, Encode};
use commonware_consensus::simplex::types::{
    Certificate, Finalization, Finalize, Notarization, Notarize, Nullification, Nullify, Proposal, Vote,
};
use commonware_consensus::types::{Epoch, Round, View};
use commonware_cryptography::Signer;
use commonware_cryptography::ed25519::PrivateKey;
use commonware_cryptography::sha256::Digest;
use commonware_parallel::Sequential;
use commonware_utils::non_empty;
use commonware_utils::ordered::Set;

use crate::runner::{Bound, Target, variant};

/// Validators in the corpus's set (the certificate codec's bound).
const VALIDATORS: usize = 4;

/// `Vote::decode` and `Certificate::decode_cfg` on every input.
pub struct Consensus {
    corpus: Vec<Vec<u8>>,
}

/// What one input decoded to, as a vote and as a certificate.
pub struct Decoded {
    vote: Result<Vote<Scheme, Digest>, commonware_codec::Error>,
    certificate: Result<Certificate<Scheme, Digest>, commonware_codec::Error>,
    canonical: bool,
}

fn corpus() -> Vec<Vec<u8>> {
    let keys: Vec<PrivateKey> = (0..VALIDATORS as u64).map(PrivateKey::from_seed).collect();
    let participants = Set::from_iter_dedup(keys.iter().map(|k| k.public_key()));
    let schemes: Vec<Scheme> =
        keys.into_iter().map(|k| Scheme::signer(NAMESPACE, participants.clone(), k).expect("a participant")).collect();
    let round = Round::new(Epoch::new(0), View::new(12));
    let proposal = Proposal::new(round, View::new(11), Digest([0x42; 32]));
    let notarizes: Vec<Notarize<Scheme, Digest>> =
        schemes.iter().map(|s| Notarize::sign(s, proposal.clone()).expect("a signer")).collect();
    let nullifies: Vec<Nullify<Scheme>> =
        schemes.iter().map(|s| Nullify::sign::<Digest>(s, round).expect("a signer")).collect();
    let finalizes: Vec<Finalize<Scheme, Digest>> =
        schemes.iter().map(|s| Finalize::sign(s, proposal.clone()).expect("a signer")).collect();
    let quorum = 3;
    let notarization =
        Notarization::from_notarizes(&schemes[0], non_empty![@&notarizes[..quorum]], &Sequential).expect("quorum");
    let nullification =
        Nullification::from_nullifies(&schemes[0], non_empty![@&nullifies[..quorum]], &Sequential).expect("quorum");
    let finalization = Finalization::from_finalizes(&schemes[0], non_empty![@&finalizes], &Sequential).expect("quorum");
    vec![
        Vote::<Scheme, Digest>::Notarize(notarizes[0].clone()).encode().to_vec(),
        Vote::<Scheme, Digest>::Nullify(nullifies[1].clone()).encode().to_vec(),
        Vote::<Scheme, Digest>::Finalize(finalizes[2].clone()).encode().to_vec(),
        Certificate::<Scheme, Digest>::Notarization(notarization).encode().to_vec(),
        Certificate::<Scheme, Digest>::Nullification(nullification).encode().to_vec(),
        Certificate::<Scheme, Digest>::Finalization(finalization).encode().to_vec(),
    ]
}

impl Target for Consensus {
    const NAME: &'static str = "consensus";
    const ABOUT: &'static str = "simplex Vote / Certificate decode (votes, certificates, resolver channels)";
    /// Far above any vote or certificate of four validators (a few hundred bytes).
    const MAX_LEN: usize = 16 * 1024;
    /// commonware's codec reads fixed-size fields and bounds every length by its
    /// configuration (here: at most `VALIDATORS` signatures), so a decode holds a few hundred
    /// bytes whatever the input; the constant covers the error.
    const BOUND: Bound = Bound { per_byte: 2, constant: 16 * 1024 };
    type Output = Decoded;

    fn new() -> Self {
        Consensus { corpus: corpus() }
    }

    fn corpus(&self) -> &[Vec<u8>] {
        &self.corpus
    }

    fn run(&self, input: &[u8]) -> Decoded {
        let vote = Vote::<Scheme, Digest>::decode(Copying(input));
        let certificate = Certificate::<Scheme, Digest>::decode_cfg(Copying(input), &VALIDATORS);
        let canonical = vote.as_ref().map_or(true, |v| v.encode().as_ref() == input)
            && certificate.as_ref().map_or(true, |c| c.encode().as_ref() == input);
        Decoded { vote, certificate, canonical }
    }

    fn classify(&self, _: &[u8], d: &Decoded) -> Result<String, String> {
        if !d.canonical {
            return Err("decoded a message that does not encode back to its bytes".into());
        }
        Ok(match (&d.vote, &d.certificate) {
            (Ok(_), Ok(_)) => "ok as vote and certificate".into(),
            (Ok(v), Err(_)) => format!("ok vote {}", variant(v)),
            (Err(_), Ok(c)) => format!("ok certificate {}", variant(c)),
            (Err(e), Err(_)) => variant(e),
        })
    }
}

//! `NeuronInfoRuntimeApi` against `query::metagraph`.

use agora_primitives::NetUid;
use agora_runtime::query;
use agora_substrate::info::{AxonInfo, NeuronInfo, NeuronInfoLite};
use agora_substrate::types::AccountId32;
use parity_scale_codec::Compact;

use crate::chain::{acc, scenario};

#[test]
fn neurons_lite_are_the_metagraph_uid_by_uid() {
    let chain = scenario();
    let mg = query::metagraph(&chain.state, NetUid(1), false).unwrap();
    let neurons: Vec<NeuronInfoLite> = chain.call("NeuronInfoRuntimeApi_get_neurons_lite", 1u16);
    assert_eq!(neurons.len(), usize::from(mg.n));
    assert_eq!(mg.n, 3, "owner, v, m");
    for (i, n) in neurons.iter().enumerate() {
        assert_eq!((n.uid, n.netuid), (i as u16, 1));
        assert_eq!(n.hotkey, AccountId32::from(mg.hotkeys[i]));
        assert_eq!(n.coldkey, AccountId32::from(mg.coldkeys[i]));
        assert_eq!(n.stake, vec![(n.coldkey, Compact(mg.stake[i]))]);
        assert_eq!(n.incentive, mg.incentive[i]);
        assert_eq!(n.consensus, mg.consensus[i]);
        assert_eq!(n.dividends, mg.dividends[i]);
        assert_eq!(n.validator_trust, mg.validator_trust[i]);
        assert_eq!(n.emission, mg.emission[i]);
        assert_eq!(n.active, mg.active[i]);
        assert_eq!(n.validator_permit, mg.validator_permit[i]);
        assert_eq!(n.last_update, mg.last_update[i].0);
        assert_eq!(n.axon_info, AxonInfo::from(mg.axons[i]));
        assert_eq!((n.rank, n.trust, n.pruning_score), (0, 0, u16::MAX), "deprecated, as the reference");
    }
    // The scenario is not trivial: the validator has stake, a permit and dividends; the miner
    // an axon and incentive.
    let v = &neurons[1];
    assert_eq!(v.hotkey, AccountId32::from(acc("v")));
    assert!(v.validator_permit && v.dividends > 0 && v.stake[0].1.0 >= 105 * crate::chain::TAO);
    let m = &neurons[2];
    assert_eq!((m.axon_info.ip, m.axon_info.port, m.axon_info.ip_type), (0x0102_0304, 8091, 4));
    assert!(m.incentive > 0 && m.emission > 0);

    let one: Option<NeuronInfoLite> = chain.call("NeuronInfoRuntimeApi_get_neuron_lite", (1u16, 2u16));
    assert_eq!(one.as_ref(), Some(m));
    let none: Option<NeuronInfoLite> = chain.call("NeuronInfoRuntimeApi_get_neuron_lite", (1u16, 3u16));
    assert_eq!(none, None);
    let unknown: Vec<NeuronInfoLite> = chain.call("NeuronInfoRuntimeApi_get_neurons_lite", 9u16);
    assert!(unknown.is_empty());
}

#[test]
fn full_neurons_add_the_non_zero_weights_and_bonds() {
    let chain = scenario();
    let mg = query::metagraph(&chain.state, NetUid(1), true).unwrap();
    let lite: Vec<NeuronInfoLite> = chain.call("NeuronInfoRuntimeApi_get_neurons_lite", 1u16);
    let full: Vec<NeuronInfo> = chain.call("NeuronInfoRuntimeApi_get_neurons", 1u16);
    assert_eq!(full.len(), lite.len());
    let pairs = |row: &Vec<(u16, u16)>| -> Vec<(Compact<u16>, Compact<u16>)> {
        row.iter().filter(|(_, v)| *v > 0).map(|&(c, v)| (Compact(c), Compact(v))).collect()
    };
    for (i, (f, l)) in full.iter().zip(&lite).enumerate() {
        assert_eq!((f.hotkey, f.coldkey, f.uid, f.stake.clone()), (l.hotkey, l.coldkey, l.uid, l.stake.clone()));
        assert_eq!(
            (f.incentive, f.dividends, f.last_update, f.axon_info),
            (l.incentive, l.dividends, l.last_update, l.axon_info)
        );
        assert_eq!(f.weights, pairs(&mg.weights.as_ref().unwrap()[i]));
        assert_eq!(f.bonds, pairs(&mg.bonds.as_ref().unwrap()[i]));
    }
    assert_eq!(full[1].weights, vec![(Compact(2), Compact(u16::MAX))], "v's weights on m");
    assert!(!full[1].bonds.is_empty(), "v holds bonds on m after an epoch");

    let one: Option<NeuronInfo> = chain.call("NeuronInfoRuntimeApi_get_neuron", (1u16, 1u16));
    assert_eq!(one.as_ref(), Some(&full[1]));
    let past_end: Option<NeuronInfo> = chain.call("NeuronInfoRuntimeApi_get_neuron", (1u16, 3u16));
    let unknown: Option<NeuronInfo> = chain.call("NeuronInfoRuntimeApi_get_neuron", (9u16, 0u16));
    assert_eq!((past_end, unknown), (None, None));
}

//! The miner's axon: serves `ImageToText` from any [`Reader`], after checking that the image is
//! base64 of a PNG or JPEG file of at most [`crate::synapse::MAX_IMAGE_BYTES`].

use std::net::SocketAddr;
use std::sync::Arc;

use agora_neuron::{Axon, AxonConfig, AxonTarget, Guard, OpenGuard, RunningAxon};
use agora_primitives::Pair;

use crate::backends::Reader;
use crate::synapse::{ImageToText, decode_image};

/// Builds the axon: `ImageToText` answered by `reader`, callers checked by `guard`.
pub fn axon(pair: Pair, config: AxonConfig, guard: Arc<dyn Guard>, reader: Arc<dyn Reader>) -> Axon {
    let mut axon = Axon::new(pair, config).guard(guard);
    axon.attach(move |mut q: ImageToText, _caller| {
        let reader = reader.clone();
        async move {
            let (image, kind) = decode_image(&q.image).map_err(|e| e.to_string())?;
            let reading = reader.read(image, kind).await.map_err(|e| e.to_string())?;
            q.text = Some(reading.text);
            q.lines = Some(reading.lines);
            q.model = Some(reader.model_id());
            // The image is not sent back: the validator has it.
            q.image = String::new();
            Ok(q)
        }
    });
    axon
}

/// Serves `reader` on a free loopback port to any signed caller (no chain): for tests and local
/// experiments. Returns the axon and the target a dendrite calls.
pub async fn serve_loopback(pair: Pair, reader: Arc<dyn Reader>) -> std::io::Result<(RunningAxon, AxonTarget)> {
    let hotkey = pair.public();
    let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
    let running = axon(pair, AxonConfig::default(), Arc::new(OpenGuard), reader).serve(addr).await?;
    let target = AxonTarget { addr: running.local_addr, hotkey };
    Ok((running, target))
}

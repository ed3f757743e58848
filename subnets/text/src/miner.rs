//! The miner: serves `TextGeneration` and `TextGenerationStream` on an axon from any
//! `TextGenerator`, and reports which model answered.

use std::net::SocketAddr;
use std::sync::Arc;

use agora_models::{Piece, TextGenerator, generate};
use agora_neuron::{Axon, AxonConfig, ChunkStream, Guard, RunningAxon};
use agora_primitives::Pair;
use bytes::Bytes;
use futures::StreamExt;

use crate::synapse::{TextGeneration, TextGenerationStream, finish_name};

/// Builds the axon: both synapses answered by `backend`, callers checked by `guard`.
pub fn axon(pair: Pair, config: AxonConfig, guard: Arc<dyn Guard>, backend: Arc<dyn TextGenerator>) -> Axon {
    let mut axon = Axon::new(pair, config).guard(guard);
    let b = backend.clone();
    axon.attach(move |mut q: TextGeneration, _caller| {
        let b = b.clone();
        async move {
            let g = generate(b.as_ref(), q.request()).await.map_err(|e| e.to_string())?;
            q.completion = Some(g.text);
            q.completion_tokens = Some(g.tokens);
            q.finish_reason = Some(finish_name(g.finish).to_string());
            q.model = Some(b.model_id());
            Ok(q)
        }
    });
    let b = backend;
    axon.attach_stream(move |q: TextGenerationStream, _caller| {
        let b = b.clone();
        async move {
            let request = q.0.request();
            request.check().map_err(|e| e.to_string())?;
            // The stream's wire form (the SDK's streaming synapse) is the completion's text and
            // nothing else, so the final piece (token count, finish reason) cannot travel: the
            // gateway tells `length` from `stop` by its own token count (see agora-gateway).
            let chunks: ChunkStream = b
                .generate_stream(request)
                .take_while(|p| futures::future::ready(p.is_ok()))
                .filter_map(|p| {
                    futures::future::ready(match p {
                        Ok(Piece::Text(t)) => Some(Bytes::from(t)),
                        _ => None,
                    })
                })
                .boxed();
            Ok(chunks)
        }
    });
    axon
}

/// Serves `backend` on a free loopback port to any signed caller (no chain): for tests and local
/// experiments. Returns the axon and the target a dendrite calls.
pub async fn serve_loopback(
    pair: Pair,
    backend: Arc<dyn TextGenerator>,
) -> std::io::Result<(RunningAxon, agora_neuron::AxonTarget)> {
    let hotkey = pair.public();
    let running =
        serve(pair, AxonConfig::default(), Arc::new(agora_neuron::OpenGuard), backend, ([127, 0, 0, 1], 0).into())
            .await?;
    let target = agora_neuron::AxonTarget { addr: running.local_addr, hotkey };
    Ok((running, target))
}

/// Serves `backend` on `addr`.
pub async fn serve(
    pair: Pair,
    config: AxonConfig,
    guard: Arc<dyn Guard>,
    backend: Arc<dyn TextGenerator>,
    addr: SocketAddr,
) -> std::io::Result<RunningAxon> {
    axon(pair, config, guard, backend).serve(addr).await
}

// The llama.cpp side of scripts/llama-bench.sh: the measurements of `agora models bench`, on
// llama.cpp's C API, so the two can be read side by side. Built by that script only, outside
// the Rust workspace and outside CI. Usage: driver MODEL.gguf THREADS; prints one JSON object.
#include "llama.h"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

// The same text and question as crates/models/src/bench.rs.
static const char * TEXT =
    "The validators of a subnet send the same task to many miners, read their answers, and score each one "
    "against what the model itself would say, token by token, with a small tolerance for near ties. Miners "
    "that copy, echo or invent text fall behind; the honest ones earn the incentive. Every tempo the chain "
    "turns the validators' weights into emission, and the stake behind each validator decides how much its "
    "view counts. A user who asks the gateway a question gets the answer of the best miner the validators "
    "found.";
static const char * QUESTION =
    "In two sentences, explain why a validator checks each miner's answer against its own model instead of "
    "trusting it.";
// SmolLM2's chat template with its default system prompt, as crates/models/src/chat.rs renders it.
static const char * CHAT_PREFIX =
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
    "<|im_start|>user\n";
static const char * CHAT_SUFFIX = "<|im_end|>\n<|im_start|>assistant\n";

static const int PREFILL = 64, DECODE = 32, CHECK = 60, ANSWER = 24, BATCH = 8;

static double now_ms() {
    using namespace std::chrono;
    return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

static void die(const char * what) {
    fprintf(stderr, "driver: %s\n", what);
    exit(1);
}

static std::vector<llama_token> tokenize(const llama_vocab * vocab, const std::string & text, bool special) {
    std::vector<llama_token> out(text.size() + 8);
    int n = llama_tokenize(vocab, text.c_str(), (int) text.size(), out.data(), (int) out.size(), false, special);
    if (n < 0) die("tokenize");
    out.resize(n);
    return out;
}

// Feeds `tokens` to sequence `seq` from position `pos`; logits for every token when `all`.
static void feed(llama_context * ctx, llama_batch & batch, const std::vector<llama_token> & tokens, int pos, int seq,
                 bool all) {
    batch.n_tokens = 0;
    for (size_t i = 0; i < tokens.size(); i++) {
        int k = batch.n_tokens++;
        batch.token[k] = tokens[i];
        batch.pos[k] = pos + (int) i;
        batch.n_seq_id[k] = 1;
        batch.seq_id[k][0] = seq;
        batch.logits[k] = all || i + 1 == tokens.size();
    }
    if (llama_decode(ctx, batch) != 0) die("decode");
}

int main(int argc, char ** argv) {
    if (argc != 3) die("usage: driver MODEL.gguf THREADS");
    int threads = atoi(argv[2]);
    llama_backend_init();
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    mp.use_extra_bufts = false;  // ggml's AMX / repacked buffers crashed on this VM's CPU for this model
    llama_model * model = llama_model_load_from_file(argv[1], mp);
    if (!model) die("cannot load the model");
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 1024;
    cp.n_batch = 512;
    cp.n_ubatch = 512;
    cp.n_seq_max = BATCH;
    cp.n_threads = threads;
    cp.n_threads_batch = threads;
    cp.no_perf = true;
    llama_context * ctx = llama_init_from_model(model, cp);
    if (!ctx) die("cannot make a context");
    const llama_vocab * vocab = llama_model_get_vocab(model);
    const int n_vocab = llama_vocab_n_tokens(vocab);
    llama_memory_t mem = llama_get_memory(ctx);
    llama_batch batch = llama_batch_init(512, 0, 1);

    std::vector<llama_token> text = tokenize(vocab, TEXT, false), ids;
    while ((int) ids.size() < PREFILL + DECODE + CHECK + BATCH) ids.insert(ids.end(), text.begin(), text.end());

    // Warm-up, as ours does.
    feed(ctx, batch, std::vector<llama_token>(ids.begin(), ids.begin() + 8), 0, 0, false);
    llama_memory_clear(mem, true);

    double t0 = now_ms();
    feed(ctx, batch, std::vector<llama_token>(ids.begin(), ids.begin() + PREFILL), 0, 0, false);
    double prefill_ms = now_ms() - t0;
    t0 = now_ms();
    for (int i = 0; i < DECODE; i++) feed(ctx, batch, {ids[PREFILL + i]}, PREFILL + i, 0, false);
    double decode_ms = now_ms() - t0;

    llama_memory_clear(mem, true);
    t0 = now_ms();
    feed(ctx, batch, std::vector<llama_token>(ids.begin(), ids.begin() + CHECK), 0, 0, true);
    double check_ms = now_ms() - t0;

    // Eight sequences, half the prefill each, then 32 steps of one token each, together.
    llama_memory_clear(mem, true);
    for (int s = 0; s < BATCH; s++)
        feed(ctx, batch, std::vector<llama_token>(ids.begin() + s, ids.begin() + s + PREFILL / 2), 0, s, false);
    t0 = now_ms();
    for (int step = 0; step < DECODE; step++) {
        batch.n_tokens = 0;
        for (int s = 0; s < BATCH; s++) {
            int k = batch.n_tokens++;
            batch.token[k] = ids[PREFILL / 2 + s + step];
            batch.pos[k] = PREFILL / 2 + step;
            batch.n_seq_id[k] = 1;
            batch.seq_id[k][0] = s;
            batch.logits[k] = true;
        }
        if (llama_decode(ctx, batch) != 0) die("batched decode");
    }
    double batch_ms = now_ms() - t0;

    // One chat answer end to end: tokenise the prompt, feed it, 24 greedy tokens.
    llama_memory_clear(mem, true);
    t0 = now_ms();
    std::vector<llama_token> prompt = tokenize(vocab, std::string(CHAT_PREFIX) + QUESTION + CHAT_SUFFIX, true);
    feed(ctx, batch, prompt, 0, 0, false);
    int pos = (int) prompt.size();
    for (int i = 0; i < ANSWER; i++) {
        const float * logits = llama_get_logits_ith(ctx, -1);
        int best = 0;
        for (int v = 1; v < n_vocab; v++)
            if (logits[v] > logits[best]) best = v;
        if (llama_vocab_is_eog(vocab, best)) break;
        // The last token is picked, not fed: nothing reads the logits after it (as Agora's).
        if (i + 1 < ANSWER) feed(ctx, batch, {best}, pos++, 0, false);
    }
    double answer_ms = now_ms() - t0;

    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("{\"threads\":%d,\"prefill_tok_s\":%.1f,\"decode_tok_s\":%.1f,\"check_ms\":%.1f,\"generate_one_ms\":%.1f,"
           "\"generate_one_prompt_tokens\":%zu,\"batch_decode_tok_s\":%.1f,\"rss_mb\":%.1f}\n",
           threads, PREFILL / (prefill_ms / 1000.0), DECODE / (decode_ms / 1000.0), check_ms, answer_ms, prompt.size(),
           BATCH * DECODE / (batch_ms / 1000.0), usage.ru_maxrss / 1024.0);
    llama_batch_free(batch);
    llama_free(ctx);
    llama_model_free(model);
    return 0;
}

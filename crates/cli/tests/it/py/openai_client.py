"""The official OpenAI Python client against an Agora gateway: one completion, one stream, and
one stream with `stream_options={"include_usage": True}`, with the usage of each answer.

Usage: openai_client.py BASE_URL API_KEY   (prints one JSON line with what came back)
"""
import json
import sys

from openai import OpenAI

base_url, api_key = sys.argv[1], sys.argv[2]
client = OpenAI(base_url=base_url, api_key=api_key, timeout=120, max_retries=0)
messages = [{"role": "user", "content": "Write one sentence about the ocean."}]

raw = client.chat.completions.with_raw_response.create(model="agora/text", messages=messages, max_tokens=24)
completion = raw.parse()
out = {
    "text": completion.choices[0].message.content,
    "finish_reason": completion.choices[0].finish_reason,
    "model": completion.model,
    "uid": raw.headers.get("x-agora-uid"),
    "usage": completion.usage.model_dump() if completion.usage else None,
}

chunks = []
stream = client.chat.completions.create(model="agora/text", messages=messages, max_tokens=24, stream=True)
for chunk in stream:
    if chunk.choices and chunk.choices[0].delta.content:
        chunks.append(chunk.choices[0].delta.content)
out["stream_chunks"] = len(chunks)
out["stream_text"] = "".join(chunks)

# With include_usage: one more chunk, with no choices and the usage of the whole answer.
parts, usage, finish = [], None, None
stream = client.chat.completions.create(
    model="agora/text", messages=messages, max_tokens=24, stream=True, stream_options={"include_usage": True}
)
for chunk in stream:
    if chunk.usage is not None:
        usage = chunk.usage.model_dump()
    if chunk.choices:
        if chunk.choices[0].delta.content:
            parts.append(chunk.choices[0].delta.content)
        if chunk.choices[0].finish_reason:
            finish = chunk.choices[0].finish_reason
out["usage_stream_text"] = "".join(parts)
out["usage_stream_finish_reason"] = finish
out["usage_stream"] = usage
out["models"] = [m.id for m in client.models.list().data]
print(json.dumps(out))

"""The official OpenAI Python client sends an image to an Agora gateway, as a vision request: one
completion and one stream, each with the image as an `image_url` part (a data: URL of a PNG).

Usage: openai_vision.py BASE_URL API_KEY PNG_FILE   (prints one JSON line with what came back)
"""
import base64
import json
import sys

from openai import OpenAI

base_url, api_key, png = sys.argv[1], sys.argv[2], sys.argv[3]
client = OpenAI(base_url=base_url, api_key=api_key, timeout=120, max_retries=0)
with open(png, "rb") as f:
    url = "data:image/png;base64," + base64.b64encode(f.read()).decode()
messages = [{"role": "user", "content": [
    {"type": "text", "text": "What does this document say?"},
    {"type": "image_url", "image_url": {"url": url}},
]}]

raw = client.chat.completions.with_raw_response.create(model="agora/ocr", messages=messages)
completion = raw.parse()
out = {"text": completion.choices[0].message.content, "model": completion.model, "uid": raw.headers.get("x-agora-uid")}

chunks = []
for chunk in client.chat.completions.create(model="agora/ocr", messages=messages, stream=True):
    if chunk.choices and chunk.choices[0].delta.content:
        chunks.append(chunk.choices[0].delta.content)
out["stream_chunks"] = len(chunks)
out["stream_text"] = "".join(chunks)
out["models"] = [m.id for m in client.models.list().data]
print(json.dumps(out))

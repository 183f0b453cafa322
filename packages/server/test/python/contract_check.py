"""Drives the Python client against a running local server and prints one line per check.

Usage: python3 contract_check.py <server url> <faulty server url> <api key> <schemas dir>
The faulty server answers every request with an injected fault (429, 500, 502, 503 or a broken stream).
Exits non-zero, naming the check, on the first failure.
"""

import sys

import jsonschema

from objectiveai import Client, Contract, ObjectiveAIError

url, faulty_url, api_key, schemas_dir = sys.argv[1:5]
contract = Contract(schemas_dir)
client = Client(url, api_key, contract)
question = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "What is a vector clock?"}]}


def expect_error(status, call):
    try:
        call()
    except ObjectiveAIError as error:
        if error.status != status:
            raise AssertionError(f"expected {status}, got {error.status}: {error.body}")
        return error.body
    raise AssertionError(f"expected {status}, got an answer")


completion = client.create(**question, logprobs=True, top_logprobs=2)
print(f"create: {completion['id']} {completion['choices'][0]['finish_reason']}")

chunks = list(client.stream(**question, stream_options={"include_usage": True}))
content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
print(f"stream: {len(chunks)} chunks, usage {chunks[-1]['usage']['total_tokens']} tokens, content {bool(content)}")

stored = client.retrieve(completion["id"])
assert stored["response"] == completion, "the stored response differs from the created one"
print(f"retrieve: {stored['response']['id']}")

page = client.list(count=5, offset=0)
assert completion["id"] in [item["id"] for item in page["data"]], "the created completion is not listed"
print(f"list: {len(page['data'])} items")

extended = {**completion, "a_key_added_later": {"any": "thing"}}
contract.check("ChatCompletion", extended)
print("unknown key: accepted")
try:
    contract.check("ChatCompletion", {**completion, "created": 1.5})
    raise AssertionError("a fractional created was accepted")
except jsonschema.ValidationError:
    print("fractional created: refused")

too_hot = {**question, "temperature": 5}
try:
    client.create(**too_hot)
    raise AssertionError("the client sent a temperature of 5")
except jsonschema.ValidationError as error:
    print(f"checked before sending: {error.message}")
# Sent as it is, past the client's check, to meet the server's answer.
bad = expect_error(400, lambda: client._answer(client.http.post("/chat/completions", json=too_hot), "ChatCompletion"))
print(f"400: {bad['message']}")
print(f"401: {expect_error(401, lambda: Client(url, 'wrong-key', contract).list())['message']}")
print(f"404: {expect_error(404, lambda: client.retrieve('chtcpl-missing-1'))['message']}")
print(f"413: {expect_error(413, lambda: client.create(**question, stop='x' * 70_000))['message']}")

faulty = Client(faulty_url, api_key, contract)
seen = set()
for attempt in range(200):
    try:
        if attempt % 2 == 0:
            faulty.create(**question)
        else:
            list(faulty.stream(**question))
    except ObjectiveAIError as error:
        seen.add(error.status)
    if {429, 500, 502, 503} <= seen:
        break
print(f"faults: {' '.join(str(status) for status in sorted(seen))}")

"""A small ObjectiveAI chat-completions client in Python, to test the contract from a second language.

It is a test of the published contract, not a product: every answer is validated with the domain package's JSON
Schemas (draft 2020-12) before it is returned, so a server that breaks the contract fails here first.
Needs httpx and jsonschema (Debian: python3-httpx, python3-jsonschema).
"""

import json
import pathlib

import httpx
import jsonschema


def _event_data(texts):
    """The `data` of each server-sent event, from the body's text as it arrives (cut anywhere, even mid-line).

    Lines are split here rather than with httpx's iter_lines, which in Debian's httpx 0.23 can split a line in two.
    Comments (`: OPENROUTER PROCESSING`) are skipped; an event's several `data:` lines are joined with newlines.
    """
    buffer, data = "", []
    for text in texts:
        buffer += text
        *lines, buffer = buffer.split("\n")
        for line in lines:
            line = line.removesuffix("\r")
            if line == "" and data:
                yield "\n".join(data)
                data = []
            elif line.startswith("data:"):
                data.append(line[len("data:"):].removeprefix(" "))


class ObjectiveAIError(Exception):
    """An error answer: its HTTP status and its `{ code, message }` body."""

    def __init__(self, status, body):
        super().__init__(f"{status}: {body.get('message')}")
        self.status = status
        self.body = body


class Contract:
    """The published JSON Schemas, one validator each."""

    def __init__(self, schemas_dir):
        self.validators = {}
        for path in pathlib.Path(schemas_dir).glob("*.json"):
            schema = json.loads(path.read_text())
            jsonschema.Draft202012Validator.check_schema(schema)
            self.validators[path.stem] = jsonschema.Draft202012Validator(
                schema, format_checker=jsonschema.FormatChecker()
            )

    def check(self, name, value):
        """Raises jsonschema.ValidationError unless `value` is a valid `name`."""
        self.validators[name].validate(value)
        return value


class Client:
    """Lists, retrieves, creates and streams chat completions."""

    def __init__(self, base_url, api_key, contract, timeout=30.0):
        self.contract = contract
        self.http = httpx.Client(
            base_url=base_url, headers={"authorization": f"Bearer {api_key}"}, timeout=timeout
        )

    def list(self, count=None, offset=None):
        params = {k: v for k, v in {"count": count, "offset": offset}.items() if v is not None}
        return self._answer(self.http.get("/chat/completions", params=params), "ChatCompletionList")

    def retrieve(self, completion_id):
        return self._answer(self.http.get(f"/chat/completions/{completion_id}"), "StoredChatCompletion")

    def create(self, **params):
        self.contract.check("ChatCompletionCreateParams", params)
        return self._answer(self.http.post("/chat/completions", json=params), "ChatCompletion")

    def stream(self, **params):
        """Yields each chunk; an error event raises ObjectiveAIError, as does a chunk carrying an error."""
        params = {**params, "stream": True}
        self.contract.check("ChatCompletionCreateParams", params)
        with self.http.stream("POST", "/chat/completions", json=params) as response:
            if response.status_code != 200:
                response.read()
                self._answer(response, "ChatCompletionChunk")
            for data in _event_data(response.iter_text()):
                if data == "[DONE]":
                    return
                event = json.loads(data)
                if "object" not in event:
                    self.contract.check("ErrorBody", event)
                    raise ObjectiveAIError(event["code"], event)
                chunk = self.contract.check("ChatCompletionChunk", event)
                if "error" in chunk:
                    raise ObjectiveAIError(chunk["error"].get("code"), chunk)
                yield chunk

    def _answer(self, response, schema):
        body = response.json()
        if response.status_code != 200:
            self.contract.check("ErrorBody", body)
            if body.get("code") != response.status_code:
                raise AssertionError(f"error code {body.get('code')} under status {response.status_code}")
            raise ObjectiveAIError(response.status_code, body)
        return self.contract.check(schema, body)

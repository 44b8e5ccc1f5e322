# expect: none
"""Writes pickles for a local cache but only ever reads JSON from the network."""
import json
import pickle


def snapshot(state: dict, path: str) -> None:
    with open(path, "wb") as fh:
        pickle.dump(state, fh)


def parse_message(body: bytes) -> dict:
    return json.loads(body)


def loads(text: str) -> dict:
    return json.loads(text)


config = loads('{"debug": false}')

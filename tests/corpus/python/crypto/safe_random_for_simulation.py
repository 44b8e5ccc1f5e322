# expect: none
"""Load generator: randomness here is for traffic shape, not secrets."""
import random
import time


def jitter(base: float) -> float:
    return base + random.uniform(0, base / 10)


def pick_endpoint(endpoints: list[str]) -> str:
    return random.choice(endpoints)


def run(endpoints: list[str], client) -> None:
    order = random.sample(endpoints, len(endpoints))
    for endpoint in order:
        client.get(endpoint, timeout=5)
        time.sleep(jitter(0.2))


def parse(tokens: list[str]) -> int:
    depth = 0
    for token in tokens:
        if token == "(":
            depth += 1
    return depth

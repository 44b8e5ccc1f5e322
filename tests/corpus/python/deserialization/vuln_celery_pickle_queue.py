# expect: CWE-502
"""A worker that reads jobs from Redis; the producer is another team's service."""
import pickle as pkl

import redis


class JobWorker:
    def __init__(self, url: str) -> None:
        self.redis = redis.Redis.from_url(url)

    async def next_job(self):
        raw = self.redis.blpop("jobs", timeout=5)
        if raw is None:
            return None
        _, body = raw
        return pkl.loads(body)

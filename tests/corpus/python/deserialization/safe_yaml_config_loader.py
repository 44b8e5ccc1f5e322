# expect: none
"""Loads service configuration with the safe YAML loader."""
import yaml


class ConfigStore:
    def __init__(self, client, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def read(self, key: str) -> dict:
        body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return yaml.load(body, Loader=yaml.SafeLoader)

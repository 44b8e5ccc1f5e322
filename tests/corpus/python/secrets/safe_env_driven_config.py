# expect: none
"""Settings read from the environment, with the placeholders and SDK words that trip
name-based secret scanners."""

import os

import boto3

AWS_REGION = os.environ.get("AWS_REGION", "eu-west-1")
DATABASE_URL = os.environ["DATABASE_URL"]
API_KEY = os.getenv("API_KEY", "")
PASSWORD_FIELD = "password"
TOKEN_TYPE = "Bearer"
DEFAULT_SECRET = "changeme"
EXAMPLE_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
TEMPLATE_DSN = "postgresql://user:password@host:5432/db"
LOCAL_DSN = "postgresql://postgres:postgres@localhost:5432/dev"


def list_parameters(prefix: str) -> list[str]:
    client = boto3.client("ssm", region_name=AWS_REGION)
    names: list[str] = []
    kwargs: dict[str, str] = {"Path": prefix}
    while True:
        page = client.get_parameters_by_path(**kwargs)
        names.extend(p["Name"] for p in page["Parameters"])
        token = page.get("NextToken")
        if not token:
            return names
        kwargs["NextToken"] = token

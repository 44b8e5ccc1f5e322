# expect: CWE-798
"""Nightly export job: copies the day's orders to the analytics bucket."""

import datetime

import boto3

EXPORT_BUCKET = "acme-analytics-exports"

session = boto3.session.Session(
    aws_access_key_id="AKIA5J3XQ2RT7YUB4NMC",
    aws_secret_access_key="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",
    region_name="eu-west-1",
)


def export(rows: list[str]) -> str:
    key = f"orders/{datetime.date.today():%Y/%m/%d}.csv"
    session.client("s3").put_object(Bucket=EXPORT_BUCKET, Key=key, Body="\n".join(rows).encode())
    return key

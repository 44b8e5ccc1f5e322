# expect: CWE-732 CWE-284 CWE-613
"""Provision the static-assets bucket and share exports."""

import boto3

s3 = boto3.client("s3")


def provision(bucket: str) -> None:
    s3.create_bucket(Bucket=bucket, ACL="public-read")
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": False,
            "IgnorePublicAcls": False,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


def share_export(bucket: str, key: str) -> str:
    return s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=604800
    )

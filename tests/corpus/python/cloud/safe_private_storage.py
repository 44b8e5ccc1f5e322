# expect: none
import datetime
import logging
import os

import boto3
from google.cloud import storage

log = logging.getLogger(__name__)
s3 = boto3.client("s3")
ec2 = boto3.client("ec2")


def upload_private(bucket: str, key: str, body: bytes) -> str:
    s3.put_object(Bucket=bucket, Key=key, Body=body, ACL="private")
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    return s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=900)


def signed_gcs_url(path: str) -> str:
    blob = storage.Client().bucket("exports").blob(path)
    return blob.generate_signed_url(version="v4", expiration=datetime.timedelta(minutes=15))


def ubuntu_ami() -> str:
    images = ec2.describe_images(
        Owners=["099720109477"],
        Filters=[{"Name": "name", "Values": ["ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"]}],
    )["Images"]
    log.info("found %d images in %s", len(images), os.environ.get("AWS_REGION"))
    return images[0]["ImageId"]

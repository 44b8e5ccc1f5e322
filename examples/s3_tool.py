"""Nightly export of reports to S3, written by an assistant asked for "a boto3 script".

Deliberately insecure: Vigil's demo input. Every credential below is fake.
"""

import json
import logging
import subprocess
import sys

import boto3
import paramiko

logging.basicConfig(level=logging.INFO)
log = logging.getLogger("export")

AWS_ACCESS_KEY_ID = "AKIA5XH2QWERTY7LM3NB"
AWS_SECRET_ACCESS_KEY = "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"

s3 = boto3.client(
    "s3",
    region_name="eu-west-1",
    aws_access_key_id=AWS_ACCESS_KEY_ID,
    aws_secret_access_key=AWS_SECRET_ACCESS_KEY,
    verify=False,
)


def upload_report(bucket: str, key: str, body: bytes) -> str:
    s3.put_object(Bucket=bucket, Key=key, Body=body, ACL="public-read")
    log.info("uploaded with key %s secret %s", AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)
    return s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=604800
    )


def open_bucket(bucket: str) -> None:
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": False,
            "IgnorePublicAcls": False,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    )
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


def latest_ami(name: str) -> str:
    ec2 = boto3.client("ec2")
    images = ec2.describe_images(Filters=[{"Name": "name", "Values": [name]}])
    return sorted(images["Images"], key=lambda i: i["CreationDate"])[-1]["ImageId"]


def archive_on_host(host: str, path: str) -> None:
    ssh = paramiko.SSHClient()
    ssh.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    ssh.connect(host, username="deploy", password="deploy123!")
    ssh.exec_command("tar czf /tmp/export.tgz " + path)


def compress(folder: str) -> None:
    subprocess.run(f"tar czf /tmp/reports.tgz {folder}", shell=True, check=True)


if __name__ == "__main__":
    compress(sys.argv[1])
    print(upload_report("acme-reports", "reports.tgz", open("/tmp/reports.tgz", "rb").read()))

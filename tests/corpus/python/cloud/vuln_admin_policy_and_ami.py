# expect: CWE-269 CWE-1357
import json

import boto3

iam = boto3.client("iam")
ec2 = boto3.client("ec2")

ADMIN_STATEMENT = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def bootstrap_role(role: str) -> None:
    iam.put_role_policy(
        RoleName=role,
        PolicyName="bootstrap",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [ADMIN_STATEMENT]}),
    )


def newest_ami(prefix: str) -> str:
    images = ec2.describe_images(Filters=[{"Name": "name", "Values": [f"{prefix}-*"]}])["Images"]
    return sorted(images, key=lambda image: image["CreationDate"])[-1]["ImageId"]

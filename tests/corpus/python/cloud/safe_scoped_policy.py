# expect: none
READ_EXPORTS = {
    "Effect": "Allow",
    "Action": ["s3:GetObject", "s3:ListBucket"],
    "Resource": ["arn:aws:s3:::exports", "arn:aws:s3:::exports/*"],
}

DESCRIBE = {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}

DENY_INSECURE = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": "*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def policy_document() -> dict:
    return {"Version": "2012-10-17", "Statement": [READ_EXPORTS, DESCRIBE, DENY_INSECURE]}

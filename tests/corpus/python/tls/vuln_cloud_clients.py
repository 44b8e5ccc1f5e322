# expect: CWE-295
"""Cluster tooling talking to AWS and the Kubernetes API."""
import boto3
import ssl
from kubernetes import client as k8s


def clients(region: str):
    configuration = k8s.Configuration()
    configuration.verify_ssl = False
    s3 = boto3.client("s3", region_name=region, verify=False)
    return k8s.ApiClient(configuration), s3


def legacy_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx

# expect: none
"""In-cluster calls over HTTP (mesh provides mTLS) and verified external calls."""
import grpc
import requests


def health() -> int:
    return requests.get("http://localhost:8080/healthz", timeout=2).status_code


def inventory(sku: str) -> dict:
    return requests.get(f"http://inventory.shop.svc.cluster.local/items/{sku}", timeout=2).json()


def instance_role() -> str:
    return requests.get("http://169.254.169.254/latest/meta-data/iam/info", timeout=2).text


def partner() -> dict:
    return requests.get("https://api.partner-example.com/v2/status", timeout=5).json()


def sidecar_channel():
    return grpc.insecure_channel("localhost:50051")

# expect: CWE-295 CWE-319
"""Client for a partner API behind a corporate proxy."""
import httpx
import requests


class PartnerClient:
    def __init__(self, token: str) -> None:
        self.token = token
        self.http = httpx.Client(verify=False, timeout=10)

    def orders(self):
        return requests.get(
            "http://api.partner-example.com/v2/orders",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
        )

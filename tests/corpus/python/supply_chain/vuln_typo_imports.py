# expect: CWE-1357
"""A script with a typo in an import."""
import reqeusts


def fetch(url: str) -> str:
    return reqeusts.get(url, timeout=5).text

# expect: none
import hmac
import logging

logger = logging.getLogger(__name__)


def authenticate(username: str, password: str, stored_hash: bytes, hasher) -> bool:
    if password == "":
        logger.info("empty password for %s", username)
        return False
    ok = hmac.compare_digest(hasher(password), stored_hash)
    logger.info("login for %s: %s (password length %d)", username, ok, len(password))
    return ok


def oauth_request(token_url: str, client_id: str) -> dict:
    return {
        "url": token_url,
        "grant_type": "client_credentials",
        "token_type": "access",
        "client_id": client_id,
    }

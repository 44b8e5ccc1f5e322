# expect: CWE-338 CWE-916
"""User accounts: password storage and reset codes."""
import hashlib
import random
import string


class AccountService:
    def __init__(self, db) -> None:
        self.db = db

    def register(self, email: str, password: str) -> None:
        password_hash = hashlib.sha256(password.encode()).hexdigest()
        self.db.insert("users", email=email, password=password_hash)

    def start_reset(self, email: str) -> str:
        reset_token = "".join(random.choice(string.ascii_letters + string.digits) for _ in range(24))
        self.db.update("users", email=email, reset_token=reset_token)
        return reset_token

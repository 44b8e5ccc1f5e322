# expect: CWE-208 CWE-327
"""Receives signed webhooks from a partner."""
import hashlib
import hmac

from flask import Flask, abort, request

app = Flask(__name__)
SECRET = b"rotated-by-vault"


@app.post("/hooks/partner")
def partner_hook():
    body = request.get_data()
    expected_signature = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    if request.headers.get("X-Signature") != expected_signature:
        abort(401)
    integrity = hashlib.md5(body).hexdigest()
    return {"received": integrity}

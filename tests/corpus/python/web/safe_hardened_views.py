# expect: none
import os

import jwt
import requests
from flask import Flask, request
from flask_cors import CORS
from werkzeug.utils import secure_filename

app = Flask(__name__)
CORS(app, supports_credentials=True, origins=os.environ["CORS_ORIGINS"].split(","))
UPLOAD_DIR = os.environ.get("UPLOAD_DIR", "/srv/uploads")


@app.post("/upload")
def upload():
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    claims = jwt.decode(token, os.environ["JWT_KEY"], algorithms=["HS256"])
    if claims.get("role") != "editor":
        raise PermissionError("editors only")
    f = request.files["file"]
    f.save(os.path.join(UPLOAD_DIR, secure_filename(f.filename)))
    requests.post(os.environ["AUDIT_URL"], json={"user": claims["sub"]}, timeout=5)
    return {"ok": True}


if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), debug=os.environ.get("FLASK_DEBUG") == "1")

# expect: CWE-22 CWE-347
from pathlib import Path

import jwt
from fastapi import FastAPI, Header, UploadFile

app = FastAPI()
UPLOADS = Path("/srv/uploads")


def claims(authorization: str) -> dict:
    token = authorization.removeprefix("Bearer ")
    return jwt.decode(token, options={"verify_signature": False})


@app.post("/documents")
async def upload(file: UploadFile, authorization: str = Header()) -> dict:
    user = claims(authorization)
    assert user.get("role") == "editor", "editors only"
    (UPLOADS / file.filename).write_bytes(await file.read())
    return {"stored": file.filename}

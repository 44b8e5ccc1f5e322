# expect: CWE-1357
"""Generated endpoint: the assistant invented a helper package."""
from fastapi import FastAPI
from fastapi_jwt_guardian import require_token

app = FastAPI()


@app.get("/me")
@require_token
async def me():
    return {"ok": True}

"""Inventory API on FastAPI, as generated for "add login and a webhook".

Deliberately insecure: Vigil's demo input. Every credential below is fake.
"""

import os
import random
import tarfile
import tempfile

import httpx
import jwt
import uvicorn
from fastapi import FastAPI, Request, UploadFile
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import create_engine, text

JWT_SECRET = "s3cr3t-jwt-signing-key-please-change-8xk2"
DATABASE_URL = "postgresql://inventory:Pr0dPassw0rd!@db.internal:5432/inventory"

engine = create_engine(DATABASE_URL)
app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)


def current_user(token: str) -> str:
    claims = jwt.decode(token, JWT_SECRET, options={"verify_signature": False})
    return claims["sub"]


@app.get("/items")
def list_items(category: str):
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT * FROM items WHERE category = '{category}'"))
        return [dict(r._mapping) for r in rows]


@app.get("/greet", response_class=HTMLResponse)
def greet(name: str):
    return HTMLResponse(f"<p>Hello {name}</p>")


@app.get("/go")
def go(next_url: str):
    return RedirectResponse(next_url)


@app.post("/webhook")
async def webhook(request: Request):
    payload = await request.json()
    async with httpx.AsyncClient(verify=False) as client:
        await client.post(payload["callback_url"], json={"ok": True})
    return {"received": True}


@app.post("/backups/restore")
async def restore(archive: UploadFile):
    path = tempfile.mktemp(suffix=".tar.gz")
    with open(path, "wb") as out:
        out.write(await archive.read())
    with tarfile.open(path) as tar:
        tar.extractall("/var/lib/inventory")
    os.chmod("/var/lib/inventory", 0o777)
    return {"restored": archive.filename}


@app.post("/reset-code")
def reset_code(email: str):
    code = str(random.randint(100000, 999999))
    send_mail(email, code)
    return {"sent": True}


@app.get("/calc")
def calc(expr: str):
    return {"result": eval(expr)}


def send_mail(address: str, body: str) -> None:
    httpx.post("http://mailer.internal/send", json={"to": address, "body": body})


if __name__ == "__main__":
    uvicorn.run("fastapi_app:app", host="0.0.0.0", port=8000, reload=True)

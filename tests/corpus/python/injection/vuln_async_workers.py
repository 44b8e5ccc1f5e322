# expect: CWE-78 CWE-918
"""FastAPI service with async handlers and class-based helpers."""
import asyncio

import httpx
from fastapi import FastAPI

app = FastAPI()


class Thumbnailer:
    def __init__(self, binary: str = "convert") -> None:
        self.binary = binary

    async def render(self, source: str) -> bytes:
        proc = await asyncio.create_subprocess_shell(
            f"{self.binary} {source} -resize 128x128 png:-",
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await proc.communicate()
        return out


@app.get("/thumb/{name}")
async def thumbnail(name: str):
    return await Thumbnailer().render(name)


@app.post("/preview")
async def preview(url: str):
    # A blocking call inside an async handler; the URL is the client's choice.
    response = httpx.get(url=url, timeout=5, follow_redirects=True)
    return {"title": response.text[:80]}

# expect: none
"""Async database access with bound parameters, and ids validated before use."""
import asyncio
import uuid

from fastapi import FastAPI
from sqlalchemy import text

app = FastAPI()
ALLOWED_SORT = {"name", "created"}


class OrderRepository:
    def __init__(self, session) -> None:
        self.session = session

    async def by_customer(self, customer: str, sort: str):
        order = sort if sort in ALLOWED_SORT else "created"
        statement = text("SELECT * FROM orders WHERE customer = :customer ORDER BY " + {
            "name": "name", "created": "created"}[order])
        result = await self.session.execute(statement, {"customer": customer})
        return result.fetchall()


@app.get("/orders/{order_id}")
async def order(order_id: uuid.UUID, session=None):
    row = await session.execute(text("SELECT * FROM orders WHERE id = :id"), {"id": str(order_id)})
    return row.first()


@app.get("/disk")
async def disk():
    proc = await asyncio.create_subprocess_exec("df", "-h", stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    return {"df": out.decode()}

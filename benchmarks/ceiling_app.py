"""The ceiling: a bare FastAPI app with one pydantic-validated POST, served like ours."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Line(BaseModel):
    sku: str
    qty: int


class Point(BaseModel):
    lat: float
    lon: float


class Cart(BaseModel):
    lines: list[Line]
    destination: Point


@app.post("/echo")
async def echo(cart: Cart) -> Cart:  # async, like /v1/promise: no thread hop (the faster ceiling)
    return cart

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
def echo(cart: Cart) -> Cart:
    return cart

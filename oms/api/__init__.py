"""HTTP adapter: FastAPI app, one router per context, pydantic schemas, one error mapping."""

"""In-memory fakes of the unit of work and its repositories (cosmicpython's FakeUnitOfWork):
the service layer's unit tests run on these, without a database."""

from tests.fakes.uow import FakeUnitOfWork

__all__ = ["FakeUnitOfWork"]

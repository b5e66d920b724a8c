"""What the notifications context needs of a unit of work: somewhere to keep the messages."""

from __future__ import annotations

from typing import Protocol

from oms.domain.ports import Repository
from oms.notifications.model import Notification


class NotificationsUnitOfWork(Protocol):
    @property
    def notifications(self) -> Repository[Notification]: ...

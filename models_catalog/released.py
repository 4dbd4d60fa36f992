"""What a process may keep of a released model version.

A published or retired version never changes (the models refuse every write to its
parts), and the busiest requests read its structure and texts on every request; so
each process keeps the last few it read. A draft is read afresh every time. The key
includes ``created_at`` so that a primary key reused after a rollback (SQLite, in
tests) never finds another version's parts.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class ReleasedVersionCache:
    """A per-process LRU of values read from released versions (one per kind of read)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version, *extra: Hashable, build: Callable[[], T]) -> T:
        """The value for ``version`` (and ``extra``, e.g. a language), built by ``build``
        when this process has not kept it, or when the version is a draft."""
        from .models import ModelVersion

        if version.status == ModelVersion.Status.DRAFT:
            return build()
        key = (version.pk, version.created_at, *extra)
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = build()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value

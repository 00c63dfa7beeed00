"""Writing the dispatcher's outcomes: sent, skipped, failed, retried, claims given back.

A second thread on its own connection writes the marks, so the next message is being sent
while the last ones' rows commit (see MarkWriter).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any

from sqlalchemy import Update, bindparam, update

from clinic.extensions import db
from clinic.reminders.models import Message

log = logging.getLogger(__name__)

# How long the mark writer lets marks gather before committing them together. A few
# milliseconds more between the server's acceptance and the commit (the window in which a
# killed worker causes a repeat) buys one commit for several messages.
MARK_WINDOW_SECONDS = 0.005


class MarkWriter:
    """Writes the messages' outcomes on its own connection and thread, so the next message
    is being sent while the last ones' rows commit.

    Marks that queue up while a commit is flushing are written together in the next
    transaction (group commit): one WAL flush for several messages instead of one each,
    which is most of a mark's cost. Each message is still committed as sent within a few
    milliseconds of the mail server accepting it. A worker killed mid-batch loses the marks
    still queued: those messages were accepted but not committed, so they go again, with
    the same Message-ID, once their lease ends (the one repeat API.md allows). A mark only
    lands while this worker still holds the claim.
    """

    def __init__(self, worker: str) -> None:
        self._worker = worker
        self._queue: queue.Queue[tuple[list[int], dict[str, Any]] | None] = queue.Queue()
        self._connection = db.engine.connect()
        self._thread = threading.Thread(target=self._write, name="outbox-marks", daemon=True)
        self._thread.start()

    def mark(self, ids: list[int], **changes: Any) -> None:
        self._queue.put((ids, changes))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._connection.close()

    def _write(self) -> None:
        done = False
        while not done:
            group = [self._queue.get()]
            if group[0] is not None:
                time.sleep(MARK_WINDOW_SECONDS)  # let the next marks gather: one commit
            while not self._queue.empty():
                group.append(self._queue.get_nowait())
            done = group[-1] is None
            self._commit([item for item in group if item is not None])

    def _commit(self, marks: list[tuple[list[int], dict[str, Any]]]) -> None:
        """The marks in one transaction, in order, one executemany per run of marks with
        the same columns (sent, skipped, retried...). If that fails, each mark is tried on
        its own, so one bad row cannot undo the marks of messages that went out."""
        if not marks:
            return
        try:
            with self._connection.begin():
                for columns, rows in _runs_by_columns(marks):
                    self._connection.execute(self._statement(columns), rows)
            return
        except Exception:
            log.warning("marking %s messages together failed; marking them one by one", len(marks))
        for mark in marks:
            try:
                with self._connection.begin():
                    for columns, rows in _runs_by_columns([mark]):
                        self._connection.execute(self._statement(columns), rows)
            except Exception:  # the lease brings this message back; say which
                log.exception("could not mark message(s) %s", mark[0])

    def _statement(self, columns: tuple[str, ...]) -> Update:
        return (
            update(Message)
            .where(Message.id == bindparam("mark_id"), Message.claimed_by == self._worker)
            .values({column: bindparam(f"new_{column}") for column in columns})
        )


def _runs_by_columns(
    marks: list[tuple[list[int], dict[str, Any]]],
) -> list[tuple[tuple[str, ...], list[dict[str, Any]]]]:
    """Consecutive marks that set the same columns, as executemany parameter lists: the
    order is kept, so a later mark of a message is written after an earlier one."""
    runs: list[tuple[tuple[str, ...], list[dict[str, Any]]]] = []
    for ids, changes in marks:
        columns = tuple(sorted(changes))
        if not runs or runs[-1][0] != columns:
            runs.append((columns, []))
        runs[-1][1].extend(
            {"mark_id": message_id, **{f"new_{c}": changes[c] for c in columns}}
            for message_id in ids
        )
    return runs

"""Every staff page a signed-in admin can open, walked as in test_no_server_errors: no two
elements share an id, and every label names an element that exists, so a screen reader
reads each field's own label and clicking a label opens its own box."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

from flask import Flask
from flask.testing import FlaskClient

from tests.web.test_no_server_errors import admin_client, routes

__all__ = ["admin_client"]  # the fixture, shared with the route walk


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.label_targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids[str(found["id"])] += 1
        if tag == "label" and found.get("for"):
            self.label_targets.append(str(found["for"]))


def test_ids_are_unique_and_labels_name_their_fields(app: Flask, admin_client: FlaskClient) -> None:
    problems = []
    pages = 0
    for method, path in routes(app):
        if method != "GET":
            continue
        response = admin_client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages += 1
        parsed = _Ids()
        parsed.feed(response.get_data(as_text=True))
        problems += [f"{path}: id {name!r} {n} times" for name, n in parsed.ids.items() if n > 1]
        problems += [
            f"{path}: a label for {target!r}, which no element has"
            for target in parsed.label_targets
            if target not in parsed.ids
        ]
    assert pages > 30
    assert not problems, "\n".join(problems)

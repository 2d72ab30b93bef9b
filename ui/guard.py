"""Handlers that never raise: an unexpected failure becomes a worded message and a log line with its trace."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from ui import views
from ui.texts import t

log = logging.getLogger(__name__)

#: What a handler returns: new values or gr.update(...) keyed by component.
Updates = dict[Any, Any]


def guarded(handler: Callable[..., Updates]) -> Callable[..., Updates]:
    """Wrap a handler method of an object with a `page` (ui.layout.Layout) so that it never raises."""

    @functools.wraps(handler)
    def run(self: Any, *args: Any) -> Updates:
        try:
            return handler(self, *args)
        except Exception:
            log.exception("handler failed", extra={"handler": handler.__name__})
            lang = next((a for a in args if a in ("fr", "en")), self.page.words.lang)
            return {self.page.message: views.message_html(t("err_unexpected", lang))}

    return run

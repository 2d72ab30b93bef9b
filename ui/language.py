"""Language switching: each component is worded once, by a function of the language, and reworded from it.

The layout creates every worded component through `Wordings.add`, so the words it starts with and the
words a switch gives it come from the same function: no list of components to keep in step by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import gradio as gr

from ui.texts import GROUP_NAMES, Language, group_name, t

#: A component's worded attributes (label, value, placeholder, choices...) in a language.
Wording = Callable[[Language], dict[str, Any]]
Component = TypeVar("Component")


def text(**keys: str) -> Wording:
    """Each attribute worded by the text of its key: text(label="client_id")."""
    return lambda lang: {attribute: t(key, lang) for attribute, key in keys.items()}


def heading(key: str) -> Wording:
    """A Markdown sub-heading."""
    return lambda lang: {"value": f"### {t(key, lang)}"}


def coded(table: dict[str, dict[Language, str]], label: str) -> Wording:
    """A filter's label and its coded choices, "any" first (the empty code)."""
    return lambda lang: {
        "label": t(label, lang),
        "choices": [(t("any", lang), ""), *((words[lang], code) for code, words in table.items())],
    }


def choices(table: dict[str, dict[Language, str]], label: str) -> Wording:
    """A choice's label and its coded choices, each worded in the language."""
    return lambda lang: {
        "label": t(label, lang),
        "choices": [(words[lang], code) for code, words in table.items()],
    }


def field_groups(lang: Language) -> dict[str, Any]:
    return {"label": t("groups", lang), "choices": [(group_name(g, lang), g) for g in GROUP_NAMES]}


def compared_groups(lang: Language) -> dict[str, Any]:
    return {
        "label": t("compare_group", lang),
        "choices": [(t(f"group_{g}", lang), g) for g in ("all", "similar", "filtered")],
    }


class Wordings:
    """The worded components of one page and how to word them in each language."""

    def __init__(self, lang: Language) -> None:
        self.lang = lang
        self._wordings: list[tuple[Any, Wording]] = []

    def add(self, factory: Callable[..., Component], wording: Wording, **options: Any) -> Component:
        """`factory(**options)` worded in the page's first language, remembered for later switches."""
        component = factory(**wording(self.lang), **options)
        self._wordings.append((component, wording))
        return component

    @property
    def components(self) -> list[Any]:
        return [component for component, _ in self._wordings]

    def updates(self, lang: Language) -> dict[Any, Any]:
        """Every worded component in `lang` (values the advisor chose are kept)."""
        return {component: gr.update(**wording(lang)) for component, wording in self._wordings}

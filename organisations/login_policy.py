"""Rules other apps add to password sign-in.

An app registers a rule once, in its ``AppConfig.ready()``: a callable taking the user
whose password was right and returning ``None`` (sign-in may go on) or the message that
tells them why not and what to do instead. The sign-in form
(:class:`organisations.forms.EmailAuthenticationForm`) asks every rule.
"""

from __future__ import annotations

from collections.abc import Callable

Rule = Callable[[object], str | None]

_rules: list[Rule] = []


def register(rule: Rule) -> Rule:
    """Add a rule; registering the same rule twice is harmless."""
    if rule not in _rules:
        _rules.append(rule)
    return rule


def refusal(user) -> str | None:
    """Why this user may not sign in with a password, or ``None``."""
    for rule in _rules:
        if message := rule(user):
            return message
    return None

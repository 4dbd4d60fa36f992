"""Signing in and finding the signed-in user.

:class:`UserBackend` is Django's ``ModelBackend`` (email and password; permissions)
with one change: the signed-in user of every request is read with a written-out
statement (``organisations.sql.user_row``) instead of an ORM query, whose Python cost
more than the rest of a signed-in request's database work. Same rules: an inactive user
gets no session (``user_can_authenticate``), and Django still checks the session's
password hash against the user it returns.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from . import sql
from .models import User


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = sql.user_row(pk)
        return user if user is not None and self.user_can_authenticate(user) else None

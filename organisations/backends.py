"""Signing in and finding the signed-in user.

:class:`UserBackend` is Django's ``ModelBackend`` (email and password; permissions)
with one change: the signed-in user of every request is read with one prepared
statement (``maturity_site.rows``) instead of an ORM query, whose Python cost more
than the rest of a signed-in request's database work. Same rules: an inactive user
gets no session (``user_can_authenticate``), and Django still checks the session's
password hash against the user it returns.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection

from maturity_site.rows import Columns, execute

from .models import User

_USER = Columns(User, "u")
_USER_SQL = f'SELECT {_USER.sql} FROM "organisations_user" u WHERE u."id" = %s'  # noqa: S608


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        with connection.cursor() as cursor:
            execute(cursor, _USER_SQL, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        user = _USER.instance(row, connection.alias, connection)
        return user if self.user_can_authenticate(user) else None

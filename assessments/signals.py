"""What other apps may hear of a round (sent by the services, inside their transaction;
a receiver that acts outside the database does so with ``transaction.on_commit``).

``round_opened`` and ``round_closed`` are sent with ``assessment`` and ``by`` (the
acting ``OrgAccess``, or None). ``round_status_changed`` is sent with ``assessment``,
``source`` and ``target`` on every change of a round's status (opened, closed,
reopened, cancelled).
"""

from django.dispatch import Signal

round_opened = Signal()
round_closed = Signal()
round_status_changed = Signal()

"""What other apps may hear of tenancy changes (sent by the services, inside their
transaction): ``member_removed`` with ``organisation``, ``user`` and ``by`` (the
acting ``OrgAccess``) when a membership ends."""

from django.dispatch import Signal

member_removed = Signal()

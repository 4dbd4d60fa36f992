"""What assessments tell the apps above them.

``round_status_changed(assessment, source, target)`` is sent inside the transaction
that moved a round from ``source`` to ``target`` status (opened, closed, reopened,
cancelled); receivers that do work elsewhere should wait for the commit
(``transaction.on_commit``).
"""

from django.dispatch import Signal

round_status_changed = Signal()

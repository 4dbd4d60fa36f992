"""What other apps may hear of reports: ``report_ready`` is sent with ``report`` once
its PDF is stored and marked ready (by the worker that rendered it)."""

from django.dispatch import Signal

report_ready = Signal()

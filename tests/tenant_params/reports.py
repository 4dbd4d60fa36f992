"""URL kwargs of the report pages (see the package docstring).

``report_id`` names a ready organisation report of acme. It has no file: the
isolation tests only need it to exist (and a download without a file is a 404 for
members too). ``assessment_id`` is the assessments' module's.
"""

from __future__ import annotations

from reports.models import Report


def _report(world):
    if "report" not in world.memo:
        world.memo["report"] = Report.objects.create(
            organisation=world.acme.org, requested_by=world.acme.manager, language="en",
            status=Report.Status.READY, input_hash="tenant-params")
    return world.memo["report"]


PARAMS = {
    "report_id": lambda world: _report(world).public_id,
}

"""What every resource module shares: the organisation's URL prefix, the documented
answers of an operation, and the caller's access."""


from organisations.access import OrgAccess

from ..problems import STATUSES, Problem

ORG = "/organisations/{slug:org_slug}"


def answers(code: int, schema, *, conflict: bool = False) -> dict:
    """An operation's responses: its success, and the problems it may answer with
    (409 where a state can refuse it: a round already closed, a report not ready)."""
    codes = (*STATUSES, 409) if conflict else STATUSES
    return {code: schema, frozenset(codes): Problem}


def department_ref(department) -> dict:
    return {"id": department.public_id, "name": department.name}


def version_ref(version) -> dict:
    """A model version as rounds and actions name it."""
    return {"slug": version.model.slug, "version": version.number,
            "version_id": version.public_id}


def access_of(request) -> OrgAccess:
    """The access ``api.auth.TokenAuth`` resolved for this call."""
    return request.access


class Mapped:
    """A queryset whose items a page turns into plain data, only the page's: what
    ``ninja.pagination.paginate`` slices and counts instead of the queryset itself."""

    def __init__(self, queryset, to_data):
        self.queryset = queryset
        self.to_data = to_data

    def all(self):
        return self

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.to_data(item) for item in self.queryset[index]]
        return self.to_data(self.queryset[index])

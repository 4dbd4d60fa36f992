"""Human labels for audit actions. Other apps add theirs to ``ACTION_LABELS`` in
``AppConfig.ready()``; an action without a label is shown by its code."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "organisation.created": _("Organisation created"),
    "client.created": _("Client organisation created"),
    "department.created": _("Department added"),
    "department.updated": _("Department renamed or edited"),
    "department.deleted": _("Department removed"),
    "membership.role_changed": _("Member's role changed"),
    "membership.removed": _("Member removed"),
    "invitation.sent": _("Invitation sent"),
    "invitation.resent": _("Invitation sent again"),
    "invitation.revoked": _("Invitation revoked"),
    "invitation.accepted": _("Invitation accepted"),
    "profile.updated": _("Profile updated"),
}


def action_label(action: str):
    return ACTION_LABELS.get(action, action)

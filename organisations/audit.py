"""Audit actions in words: the one mapping from an action's code to its label, for
every app (tests/test_audit.py checks that every action the code records has one).
An action without a label (an old code) is shown by its code."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "organisation.created": _("Organisation created"),
    "client.created": _("Client organisation created"),
    "department.created": _("Department added"),
    "department.updated": _("Department renamed or edited"),
    "department.deleted": _("Department removed"),
    "membership.role_changed": _("Member's role changed"),
    "membership.removed": _("Member removed"),
    # Asked for in a request; what a worker then emailed:
    "invitation.sent": _("Invitation created"),
    "invitation.resent": _("Invitation link renewed"),
    "invitation.emailed": _("Invitation emailed"),
    "invitation.revoked": _("Invitation revoked"),
    "invitation.accepted": _("Invitation accepted"),
    "profile.updated": _("Profile updated"),
    "branding.updated": _("Branding changed"),
    # Assessment rounds and their respondents
    "assessment.created": _("Assessment round created"),
    "assessment.updated": _("Assessment round edited"),
    "assessment.opened": _("Assessment round opened for answers"),
    "assessment.closed": _("Assessment round closed"),
    "assessment.reopened": _("Assessment round reopened"),
    "assessment.cancelled": _("Assessment round cancelled"),
    "assessment.deleted": _("Draft assessment round deleted"),
    "assessment.follow_up_started": _("Next assessment round started"),
    "assessment.respondent_invited": _("Respondent invited"),
    "assessment.invitations_sent": _("Invitations sent to respondents"),
    # Asked for in a request (or by the schedule); what a worker then emailed:
    "assessment.reminder_sent": _("Reminder requested"),
    "assessment.reminders_emailed": _("Reminders emailed to respondents"),
    "assessment.link_renewed": _("Questionnaire link renewed"),
    "assessment.respondent_revoked": _("Questionnaire link withdrawn"),
    "assessment.response_submitted": _("Answers submitted"),
    "assessment.answers_uploaded": _("Answer sheet uploaded"),
    "assessment.session_started": _("Consensus session started"),
    "assessment.consensus_recorded": _("Consensus answer recorded"),
    "assessment.consensus_removed": _("Consensus answer removed"),
    "assessment.groups_changed": _("Respondent groups changed"),
    "assessment.shared_link_created": _("Shared link created"),
    "assessment.shared_link_revoked": _("Shared link withdrawn"),
    "assessment.shared_link_started": _("Questionnaire started through a shared link"),
    # Single sign-on
    "sso.provider_saved": _("Single sign-on settings saved"),
    "sso.domain_added": _("Email domain added for single sign-on"),
    "sso.domain_verified": _("Email domain verified"),
    "sso.domain_removed": _("Email domain removed"),
    "sso.member_joined": _("Joined through single sign-on"),
    # Reports
    "report.requested": _("PDF report requested"),
    "report.retried": _("PDF report tried again"),
    # The benchmark pool (peers/)
    "benchmark.enabled": _("Benchmarking switched on"),
    "benchmark.disabled": _("Benchmarking switched off"),
    "benchmark.opted_in": _("Took part in the benchmark"),
    "benchmark.opted_out": _("Left the benchmark"),
    # Maturity models
    "model.imported": _("Maturity model imported"),
    "model.copied": _("Maturity model copied"),
    "model.draft_created": _("Draft created"),
    "model.draft_discarded": _("Draft discarded"),
    "model.published": _("Model version published"),
    "model.retired": _("Model version retired"),
    "model.metadata_edited": _("Model details edited"),
    "model.scoring_edited": _("Scoring rules edited"),
    "model.level_added": _("Level added"),
    "model.level_edited": _("Level edited"),
    "model.level_removed": _("Level removed"),
    "model.dimension_added": _("Dimension added"),
    "model.dimension_edited": _("Dimension edited"),
    "model.dimension_deleted": _("Dimension deleted"),
    "model.dimension_moved": _("Dimension moved"),
    "model.axis_added": _("Axis added"),
    "model.axis_edited": _("Axis edited"),
    "model.axis_deleted": _("Axis deleted"),
    "model.axis_moved": _("Axis moved"),
    "model.option_added": _("Answer option added"),
    "model.option_edited": _("Answer option edited"),
    "model.option_deleted": _("Answer option deleted"),
    "model.option_moved": _("Answer option moved"),
    "model.question_added": _("Statement added"),
    "model.question_edited": _("Statement edited"),
    "model.question_deleted": _("Statement deleted"),
    "model.question_moved": _("Statement moved"),
    # The REST API (api/)
    "api_token.created": _("API token created"),
    "api_token.revoked": _("API token revoked"),
    "api.called": _("API call"),
}


def action_label(action: str):
    return ACTION_LABELS.get(action, action)

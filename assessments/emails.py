"""Emails to respondents, each a subject/text/html template triple in their language."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from models_catalog.snapshot import snapshot
from organisations.emails import send_email

from .models import CarriedAnswer, Response

KINDS = ("invitation", "reminder")


def questionnaire_url(response: Response, token: str | None) -> str:
    """The absolute link that opens ``response``'s questionnaire."""
    assessment = response.assessment
    if token is None:
        path = reverse("assessments:answer", kwargs={
            "org_slug": assessment.organisation.slug, "assessment_id": assessment.public_id})
    else:
        path = reverse("respondent:start", kwargs={"token": token})
    return settings.SITE_URL + path


def send_respondent_email(*, response_id: int, kind: str, token: str | None,
                          renewed: bool = False, sender=None) -> int:
    """Send an invitation or reminder. Called after commit, with the link's token (for
    an invitee); ``renewed``: the link is new and the earlier ones no longer work."""
    assert kind in KINDS
    response = (Response.objects.select_related(
        "user", "assessment__organisation__parent", "assessment__department",
        "assessment__model_version__model").filter(pk=response_id).first())
    if response is None or not response.contact_email:
        return 0
    assessment = response.assessment
    language = (response.user.language if response.user_id and response.user.language
                else response.language)
    content = snapshot(assessment.model_version)
    context = {
        "response": response,
        "assessment": assessment,
        "organisation": assessment.organisation,
        "department": assessment.department,
        "model_name": content.texts(language).name,
        "respondent_name": response.display_name if response.user_id else response.name,
        "sender_name": sender.get_full_name() if sender else "",
        "url": questionnaire_url(response, token),
        "is_member": response.user_id is not None,
        "expires_at": response.expires_at if token else None,
        "renewed": renewed,
        "due_date": assessment.due_date,
        "question_count": len(content.questions),
        # Answers from last round waiting to be confirmed (a follow-up round).
        "carried_count": CarriedAnswer.objects.filter(response=response).count(),
    }
    return send_email(prefix=f"assessments/email/{kind}", context=context,
                      to=response.contact_email, language=language,
                      organisation=assessment.organisation)

"""Operator access to assessments: for looking, not for changing. Rounds, respondents
and answers change through the app's pages and services, which audit them and keep
submitted answers final."""

from django.contrib import admin

from .models import Answer, Assessment, Response


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ResponseInline(admin.TabularInline):
    model = Response
    fields = ["user", "email", "name", "language", "started_at", "submitted_at", "revoked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["name", "department", "organisation", "model_version", "status",
                    "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "department__name", "organisation__name"]
    list_select_related = ["department", "organisation", "model_version__model"]
    inlines = [ResponseInline]


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "assessment", "language", "started_at", "submitted_at"]
    search_fields = ["email", "name", "user__email"]
    list_select_related = ["assessment__department", "user"]
    exclude = ["token_hash"]


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    list_display = ["response", "question", "option", "updated_at"]
    list_select_related = ["response__user", "question"]
    search_fields = ["question__key", "response__email"]

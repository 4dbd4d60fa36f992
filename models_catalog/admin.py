"""Staff editing of maturity models. Drafts are editable; published and retired versions
are shown read-only (the admin refuses to save them, and so would the models).
Publishing, retiring and new drafts go through the same services as the pages."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from organisations.access import OrgAccess
from organisations.models import Role
from organisations.service_views import call_service

from . import services
from .models import (
    Axis,
    Dimension,
    Level,
    MaturityModel,
    ModelVersion,
    PublishedVersionError,
    Question,
    ScaleOption,
    translate,
)


def _staff_access(request, version: ModelVersion) -> OrgAccess | None:
    """The admin is the installation's staff: for an organisation's model they act (and
    are audited) as its owner; a shipped model belongs to the installation (None)."""
    owner = version.model.owner
    if owner is None:
        return None
    return OrgAccess(user=request.user, organisation=owner, role=Role.OWNER)


def _delete_each(admin_obj, request, queryset) -> None:
    """Bulk deletion one by one, so that each object's guard runs (a bulk delete
    would skip ``delete()``): published and retired versions stay."""
    for obj in queryset:
        try:
            obj.delete()
        except PublishedVersionError as error:
            admin_obj.message_user(request, f"{obj}: {error.messages[0]}", messages.ERROR)


class DraftOnlyInline:
    """An inline that can be changed only while its version is a draft."""

    extra = 0

    def _editable(self, obj) -> bool:
        return obj is None or obj.is_draft

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class LevelInline(DraftOnlyInline, admin.TabularInline):
    model = Level
    fields = ("number", "name", "description")


class DimensionInline(DraftOnlyInline, admin.TabularInline):
    model = Dimension
    fields = ("position", "key", "name", "description")


class AxisInline(DraftOnlyInline, admin.TabularInline):
    model = Axis
    fields = ("position", "key", "name", "low_label", "high_label")


class ScaleOptionInline(DraftOnlyInline, admin.TabularInline):
    model = ScaleOption
    fields = ("position", "key", "label", "value")


class QuestionInline(DraftOnlyInline, admin.StackedInline):
    model = Question
    fields = (("position", "key", "dimension", "level", "weight"), "loadings", "statement",
              "help", "recommendation")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get("dimension")
        if field is not None:
            field.queryset = (obj.dimensions.all() if obj is not None
                              else Dimension.objects.none())
        return formset


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("model", "number", "status", "published_at", "published_by")
    list_filter = ("status", "model__owner")
    search_fields = ("model__slug",)
    list_select_related = ("model", "published_by")
    readonly_fields = ("model", "number", "status", "content_hash", "based_on", "created_at",
                       "created_by", "published_at", "published_by", "retired_at")
    fields = (("model", "number", "status"), "name", "description", "source",
              ("default_language", "languages"), "notes", ("threshold", "overall_rule"),
              "content_hash", "based_on", ("created_at", "created_by"),
              ("published_at", "published_by", "retired_at"))
    inlines = [LevelInline, DimensionInline, AxisInline, ScaleOptionInline, QuestionInline]
    actions = ["publish", "retire", "new_draft"]

    def has_add_permission(self, request):
        # Versions come from imports, copies and "new draft", which number them.
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_draft:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not obj.is_draft:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        _delete_each(self, request, queryset)

    def _each(self, request, queryset, action, done: str):
        """Run a catalogue service on each selected version, as the staff member."""
        for version in queryset.select_related("model"):
            call_service(request, action, version=version, by=_staff_access(request, version),
                         request=request, done=f"{version}: {done}",
                         refused=lambda texts, version=version: self.message_user(
                             request, f"{version}: {'; '.join(texts)}", messages.ERROR))

    @admin.action(description=_("Publish the selected drafts"), permissions=["change"])
    def publish(self, request, queryset):
        self._each(request, queryset, services.version_publish, _("published"))

    @admin.action(description=_("Retire the selected published versions"))
    def retire(self, request, queryset):
        self._each(request, queryset, services.version_retire, _("retired"))

    @admin.action(description=_("Start a new draft from the selected versions"))
    def new_draft(self, request, queryset):
        self._each(request, queryset, services.draft_create, _("new draft started"))


class VersionInline(admin.TabularInline):
    model = ModelVersion
    fields = ("number", "status", "published_at", "content_hash")
    readonly_fields = fields
    show_change_link = True
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MaturityModel)
class MaturityModelAdmin(admin.ModelAdmin):
    list_display = ("slug", "display_name", "owner", "default_language")
    list_filter = (("owner", admin.EmptyFieldListFilter),)
    search_fields = ("slug", "owner__name")
    list_select_related = ("owner",)
    # The texts mirror the latest published version; edit them in a draft version.
    readonly_fields = ("slug", "owner", "name", "description", "source", "default_language",
                       "languages", "created_at")
    inlines = [VersionInline]

    @admin.display(description=_("name"))
    def display_name(self, obj):
        return translate(obj.name, None, obj.default_language)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.versions.exclude(status=ModelVersion.Status.DRAFT).exists():
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        _delete_each(self, request, queryset)

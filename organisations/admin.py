"""Operator access to tenancy data. Day-to-day changes go through the app's pages
(which audit them); the audit trail itself is read-only here."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from .audit import action_label
from .models import AuditEvent, Department, Invitation, Membership, Organisation, User


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["email"]


class UserChangeAdminForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreationAdminForm
    form = UserChangeAdminForm
    ordering = ["email"]
    list_display = ["email", "full_name", "language", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser", "language"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["full_name", "language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups",
                                       "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"],
                             "fields": ["email", "usable_password", "password1",
                                        "password2"]})]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "parent", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    # Branding is changed on the organisation's page, which checks the logo and the
    # colour's contrast (services.branding_update).
    readonly_fields = ["public_id", "created_at", "brand_name", "brand_colour",
                       "brand_footer", "brand_logo"]
    inlines = [MembershipInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation"]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "status_label", "created_at", "expires_at"]
    search_fields = ["email", "organisation__name"]
    list_select_related = ["organisation"]
    readonly_fields = ["public_id", "token_hash", "created_at", "accepted_at", "accepted_by",
                       "invited_by"]

    @admin.display(description=_("status"))
    def status_label(self, obj):
        return obj.get_status_display()


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organisation", "actor_label", "action_label", "target"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target", "organisation__name"]
    list_select_related = ["organisation"]
    date_hierarchy = "created_at"

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, obj):
        return action_label(obj.action)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""Django admin: every model registered with list displays, filters and search."""

from django.contrib import admin

from minutes.models import (
    AgendaItem,
    Attachment,
    AuditEvent,
    ClerkMembership,
    Committee,
    Decision,
    Job,
    Meeting,
    MeetingRevision,
    Municipality,
    PendingUpload,
)


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "portal_url", "last_harvested_at"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "slug"]
    list_filter = ["municipality"]
    search_fields = ["name", "municipality__name"]
    list_select_related = ["municipality"]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    fields = ["number", "title", "case_number", "is_closed", "outcome"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False


class RevisionInline(admin.TabularInline):
    model = MeetingRevision
    fields = ["number", "source_name", "source_checksum", "created_at", "created_by", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["committee", "start", "kind", "location", "source_format", "corrected_at"]
    list_filter = ["kind", "source_format", "committee__municipality"]
    search_fields = ["committee__name", "location", "source_name", "source_id"]
    date_hierarchy = "start"
    list_select_related = ["committee__municipality"]
    readonly_fields = ["source_checksum", "created_at", "updated_at"]
    inlines = [AgendaItemInline, RevisionInline]


class DecisionInline(admin.StackedInline):
    model = Decision
    extra = 0


class AttachmentInline(admin.TabularInline):
    model = Attachment
    fields = ["position", "title", "file", "content_type", "size"]
    extra = 0


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "case_number", "meeting_date", "committee", "outcome", "is_closed"]
    list_filter = ["outcome", "is_closed", "municipality"]
    search_fields = ["title", "case_number", "number"]
    date_hierarchy = "meeting_date"
    list_select_related = ["committee", "meeting"]
    raw_id_fields = ["meeting", "committee", "municipality"]
    inlines = [DecisionInline, AttachmentInline]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["item", "outcome", "body", "decided_on", "is_current"]
    list_filter = ["outcome", "is_current"]
    search_fields = ["text", "body", "item__title", "item__case_number"]
    raw_id_fields = ["item"]
    list_select_related = ["item"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["title", "item", "content_type", "size", "uploaded_at"]
    search_fields = ["title", "item__title"]
    raw_id_fields = ["item"]
    list_select_related = ["item"]


@admin.register(MeetingRevision)
class MeetingRevisionAdmin(admin.ModelAdmin):
    list_display = ["meeting", "number", "source_name", "created_at", "created_by", "note"]
    search_fields = ["meeting__committee__name", "source_name", "note"]
    raw_id_fields = ["meeting"]
    list_select_related = ["meeting__committee", "created_by"]


# --- Clerks: memberships, staged uploads, background jobs and the audit log -----------------


@admin.register(ClerkMembership)
class ClerkMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "municipality", "created_at"]
    list_filter = ["municipality"]
    search_fields = ["user__username", "user__email", "municipality__name"]
    list_select_related = ["user", "municipality"]
    raw_id_fields = ["user"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record of what happened: visible to staff, changed by nobody."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_name", "action", "municipality", "meeting", "summary", "ip"]
    list_filter = ["action", "municipality"]
    search_fields = ["actor_name", "summary", "ip"]
    date_hierarchy = "created_at"
    list_select_related = ["municipality", "meeting__committee"]


@admin.register(PendingUpload)
class PendingUploadAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "municipality", "uploaded_by", "status", "source_format", "created_at"]
    list_filter = ["status", "source_format", "municipality"]
    search_fields = ["original_name", "uploaded_by__username", "checksum"]
    date_hierarchy = "created_at"
    list_select_related = ["municipality", "uploaded_by"]
    exclude = ["text"]


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "status", "created_by", "created_at", "finished_at", "attempts"]
    list_filter = ["kind", "status"]
    list_select_related = ["created_by"]

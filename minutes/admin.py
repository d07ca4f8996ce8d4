"""Django admin: every model registered with list displays, filters and search."""

from django.contrib import admin

from minutes.models import (
    AgendaItem,
    Attachment,
    Committee,
    Decision,
    Meeting,
    MeetingRevision,
    Municipality,
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

"""Clerk pages: login, upload, preview, publish or discard, bilag, and the staff's audit log.

Thin: each view checks who is asking, calls ``minutes.clerk`` and renders. Every page needs a
logged-in clerk (staff may do everything); the services check the municipality again.
"""

from __future__ import annotations

from datetime import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from minutes import clerk
from minutes.forms import AttachmentUploadForm, ClerkAuthenticationForm, PublishForm, UploadForm
from minutes.models import AuditEvent, Job, Meeting, PendingUpload
from minutes.parsing.types import ReferatError

OPEN_STATUSES = (PendingUpload.Status.PROCESSING, PendingUpload.Status.READY, PendingUpload.Status.FAILED)


def clerk_required(view):
    """Let in logged-in clerks and staff; send anonymous visitors to the login page."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not clerk.is_clerk(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


class LoginView(auth_views.LoginView):
    form_class = ClerkAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True
    next_page = reverse_lazy("clerk_dashboard")


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("home")


def _upload_or_404(request, token) -> PendingUpload:
    upload = get_object_or_404(
        PendingUpload.objects.select_related("municipality", "uploaded_by"), token=token
    )
    clerk.require_upload_access(request.user, upload)
    return upload


@clerk_required
def dashboard(request):
    municipalities = clerk.clerk_municipalities(request.user)
    uploads = PendingUpload.objects.select_related("municipality", "uploaded_by").filter(
        status__in=OPEN_STATUSES
    )
    if not request.user.is_staff:
        uploads = uploads.filter(uploaded_by=request.user)
    meetings = (
        Meeting.objects.filter(committee__municipality__in=municipalities)
        .select_related("committee__municipality")
        .annotate(
            n_attachments=Count("items__attachments"),
            n_missing=Count("items__attachments", filter=Q(items__attachments__file="")),
        )[:20]
    )
    return render(
        request,
        "minutes/clerk/dashboard.html",
        {"municipalities": municipalities, "uploads": uploads[:50], "meetings": meetings},
    )


@clerk_required
def upload(request):
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            uploaded = form.cleaned_data["file"]
            try:
                pending = clerk.stage_upload(
                    user=request.user,
                    municipality=form.cleaned_data["municipality"],
                    committee=form.cleaned_data["committee"],
                    name=uploaded.name,
                    data=uploaded.read(),
                    ip=clerk.client_ip(request),
                )
            except ReferatError as exc:
                form.add_error("file", clerk.notice_text(exc.notice))
            else:
                return redirect("clerk_upload_detail", token=pending.token)
    else:
        initial = {key: request.GET[key] for key in ("municipality", "committee") if key in request.GET}
        form = UploadForm(initial=initial, user=request.user)
    return render(request, "minutes/clerk/upload.html", {"form": form})


def _preview_context(upload: PendingUpload) -> dict:
    preview = dict(upload.preview)
    if preview:
        preview["start"] = datetime.fromisoformat(preview["start"])
        preview["warnings"] = [clerk.notice_text(w) for w in preview["warnings"]]
    target = clerk.replaced_meeting(upload) if upload.status == PendingUpload.Status.READY else None
    return {
        "upload": upload,
        "preview": preview,
        "target": target,
        "unchanged": clerk.is_unchanged(upload, target),
        "error": clerk.notice_text(upload.error),
        "publish_form": PublishForm(initial={"target": clerk.target_key(target)}),
        "job": upload.jobs.order_by("-created_at").first(),
    }


@clerk_required
def upload_detail(request, token):
    upload = _upload_or_404(request, token)
    return render(request, "minutes/clerk/preview.html", _preview_context(upload))


@clerk_required
@require_POST
def upload_publish(request, token):
    upload = _upload_or_404(request, token)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Forhåndsvisningen mangler; se den igen, før du offentliggør."))
        return redirect("clerk_upload_detail", token=upload.token)
    try:
        outcome = clerk.publish_upload(
            upload,
            user=request.user,
            expected_target=form.cleaned_data["target"],
            ip=clerk.client_ip(request),
        )
    except ReferatError as exc:
        messages.error(request, clerk.notice_text(exc.notice))
        return redirect("clerk_upload_detail", token=upload.token)
    text = {
        "created": gettext("Referatet er offentliggjort."),
        "updated": gettext("Rettelsen er offentliggjort; den tidligere version er gemt."),
        "unchanged": gettext("Referatet var allerede offentliggjort uden ændringer."),
    }[outcome.status]
    messages.success(request, text)
    return redirect("clerk_meeting_attachments", meeting=outcome.meeting.pk)


@clerk_required
@require_POST
def upload_discard(request, token):
    upload = _upload_or_404(request, token)
    try:
        clerk.discard_upload(upload, user=request.user, ip=clerk.client_ip(request))
    except ReferatError as exc:
        messages.error(request, clerk.notice_text(exc.notice))
        return redirect("clerk_upload_detail", token=upload.token)
    messages.success(request, gettext("Uploadet er kasseret; intet blev offentliggjort."))
    return redirect("clerk_dashboard")


@clerk_required
def meeting_attachments(request, meeting: int):
    meeting_obj = get_object_or_404(Meeting.objects.select_related("committee__municipality"), pk=meeting)
    clerk.require_manage(request.user, meeting_obj.committee.municipality)
    attachments = list(clerk.meeting_attachments(meeting_obj))
    form = AttachmentUploadForm(request.POST or None, request.FILES or None, attachments=attachments)
    if request.method == "POST" and form.is_valid():
        _queue_attachments(request, form, attachments)
        return redirect("clerk_meeting_attachments", meeting=meeting_obj.pk)
    jobs = clerk.latest_jobs(attachments)
    items: dict[int, dict] = {}
    for attachment in attachments:
        entry = items.setdefault(attachment.item_id, {"item": attachment.item, "rows": []})
        entry["rows"].append(
            {
                "attachment": attachment,
                "field": form[form.field_name(attachment)],
                "job": jobs.get(attachment.pk),
                "error": clerk.notice_text(jobs[attachment.pk].error) if attachment.pk in jobs else "",
            }
        )
    return render(
        request,
        "minutes/clerk/attachments.html",
        {
            "meeting": meeting_obj,
            "items": list(items.values()),
            "form": form,
            "pending": any(job.status in (Job.Status.QUEUED, Job.Status.RUNNING) for job in jobs.values()),
        },
    )


def _queue_attachments(request, form: AttachmentUploadForm, attachments: list) -> None:
    ip = clerk.client_ip(request)
    pairs = form.chosen()
    for uploaded in form.cleaned_data["files"]:
        match = clerk.match_attachment(uploaded.name, attachments)
        if match is None:
            messages.error(
                request,
                gettext("{name} passer ikke entydigt til et bilag; vælg bilaget ud for filen.").format(
                    name=uploaded.name
                ),
            )
        else:
            pairs.append((match, uploaded))
    for attachment, uploaded in pairs:
        try:
            clerk.queue_attachment(
                attachment, user=request.user, name=uploaded.name, data=uploaded.read(), ip=ip
            )
        except ReferatError as exc:
            messages.error(request, clerk.notice_text(exc.notice))
        else:
            messages.success(
                request,
                gettext("{name} er modtaget som “{title}”; teksten udtrækkes i baggrunden.").format(
                    name=uploaded.name, title=attachment.title
                ),
            )


@staff_required
def audit_log(request):
    events = AuditEvent.objects.select_related("municipality", "meeting__committee", "upload")
    action = request.GET.get("action", "")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    jobs = (
        Job.objects.exclude(status=Job.Status.DONE)
        .select_related("attachment", "upload")
        .order_by("-created_at")
    )
    return render(
        request,
        "minutes/clerk/audit_log.html",
        {"page": page, "actions": AuditEvent.Action.choices, "action": action, "jobs": jobs[:50]},
    )

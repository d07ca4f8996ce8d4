"""Forms for the clerk pages: validation of what was typed and sent, no business rules.

The rules (who may upload where, which file types, what a publish must check) live in
``minutes.clerk``; the forms only shape input and call it where Django expects them to.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from minutes import clerk
from minutes.models import Attachment, Municipality


def _check_size(upload, limit: int) -> None:
    if upload.size == 0:
        raise ValidationError(gettext("Filen er tom."), code="empty")
    if upload.size > limit:
        raise ValidationError(
            gettext("Filen er for stor; den største tilladte størrelse er {limit} MB.").format(
                limit=limit // (1024 * 1024)
            ),
            code="too_large",
        )


class ClerkAuthenticationForm(AuthenticationForm):
    """Django's login form, locked for a while after too many failures per username and address."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password")
        ip = clerk.client_ip(self.request) if self.request else None
        if username and clerk.login_locked(username, ip):
            raise ValidationError(
                gettext(
                    "For mange mislykkede forsøg på at logge ind. Prøv igen om {minutes} minutter."
                ).format(minutes=settings.ARCHIVE_LOGIN_LOCKOUT_MINUTES),
                code="locked",
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            if username and password:
                clerk.record_login_failure(username, ip)
            raise
        clerk.clear_login_failures(username, ip)
        return cleaned


class UploadForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Kommune"), queryset=Municipality.objects.none(), empty_label=None
    )
    committee = forms.CharField(
        label=_("Udvalg"),
        required=False,
        max_length=200,
        help_text=_("Udfyld kun, hvis udvalgets navn i referatet skal erstattes."),
    )
    file = forms.FileField(
        label=_("Referat"),
        help_text=_("PDF, tekst (.txt), Markdown (.md) eller et FirstAgenda-møde (.json)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.txt,.md,.json"}),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = clerk.clerk_municipalities(user)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        _check_size(upload, settings.ARCHIVE_MAX_UPLOAD_BYTES)
        return upload


class PublishForm(forms.Form):
    # What the preview said the publish would do (see clerk.target_key).
    target = forms.CharField(widget=forms.HiddenInput, max_length=100)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files (Django's documented recipe)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class AttachmentUploadForm(forms.Form):
    """One optional file input per listed bilag, plus one for several files matched by name."""

    files = MultipleFileField(
        label=_("Flere bilag på én gang"),
        required=False,
        help_text=_("Filerne knyttes til bilagene ud fra deres navne."),
    )

    def __init__(self, *args, attachments: list[Attachment], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.attachments = attachments
        for attachment in attachments:
            self.fields[self.field_name(attachment)] = forms.FileField(
                label=attachment.title,
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
            )

    @staticmethod
    def field_name(attachment: Attachment) -> str:
        return f"bilag_{attachment.pk}"

    def clean(self):
        cleaned = super().clean()
        limit = settings.ARCHIVE_MAX_ATTACHMENT_BYTES
        for name, value in list(cleaned.items()):
            for upload in value if isinstance(value, list) else [value] if value else []:
                try:
                    _check_size(upload, limit)
                except ValidationError as exc:
                    self.add_error(name, f"{upload.name}: {exc.messages[0]}")
        return cleaned

    def chosen(self) -> list[tuple[Attachment, object]]:
        """Return (bilag, file) for each file put in a bilag's own input."""
        return [
            (attachment, self.cleaned_data[self.field_name(attachment)])
            for attachment in self.attachments
            if self.cleaned_data.get(self.field_name(attachment))
        ]

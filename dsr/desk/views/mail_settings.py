"""Settings, E-mail: the privacy mailbox the desk reads, and how its mails are signed.
Managers only; the password or token is write-only (never rendered back)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dsr import audit
from dsr.desk.access import desk_view
from dsr.desk.mail_forms import MailForm
from dsr.desk.views.settings import OWNED
from dsr.mail.config import MAILBOX_FIELDS, SENDER_FIELDS, mail_config_save
from dsr.mail.imap import mailbox_test
from dsr.models import Mailbox, MailSettings


def _initial(organization) -> tuple[dict, Mailbox | None]:
    initial: dict = {}
    sender = MailSettings.objects.filter(organization=organization).first()
    if sender is not None:
        initial.update({name: getattr(sender, name) for name in SENDER_FIELDS})
    box = Mailbox.objects.filter(organization=organization).first()
    if box is not None:
        initial.update({name: getattr(box, name) for name in MAILBOX_FIELDS})
    return initial, box


def _render(request, form, box, status=200) -> HttpResponse:
    return render(
        request,
        "desk/settings/mail.html",
        {"owned_kinds": OWNED.values(), "form": form, "mailbox": box},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@desk_view(manage=True)
def mail_settings(request: HttpRequest) -> HttpResponse:
    organization = request.desk.organization
    initial, box = _initial(organization)
    has_secret = bool(box and box.has_secret)
    if request.method != "POST":
        return _render(request, MailForm(initial=initial, has_secret=has_secret), box)
    form = MailForm(request.POST, initial=initial, has_secret=has_secret)
    if not form.is_valid():
        return _render(request, form, box, status=400)
    mail_config_save(
        organization=organization,
        sender=form.sender(),
        mailbox=form.mailbox() if form.wants_mailbox or box is not None else None,
        secret=form.cleaned_data["secret"],
        actor=audit.Actor.for_user(request.user),
    )
    messages.success(request, _("E-mail settings saved."))
    return redirect("desk:settings_mail")


@require_POST
@desk_view(manage=True)
def mail_settings_test(request: HttpRequest) -> HttpResponse:
    box = Mailbox.objects.filter(organization=request.desk.organization).first()
    if box is None or not box.host:
        messages.error(request, _("Save a mailbox first."))
        return redirect("desk:settings_mail")
    failure = mailbox_test(box)
    if failure:
        messages.error(
            request, _("The mailbox could not be read: %(reason)s.") % {"reason": failure}
        )
    else:
        messages.success(request, _("Connected: the mailbox and its folder can be read."))
    return redirect("desk:settings_mail")

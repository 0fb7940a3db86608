"""The baseline: parse the same form body, do one INSERT, redirect. Nothing else."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS bench_baseline ("
    "id bigserial PRIMARY KEY, name text, email text, body text, "
    "created_at timestamptz NOT NULL DEFAULT now())"
)


@csrf_exempt
@require_POST
def insert_one(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_baseline (name, email, body) VALUES (%s, %s, %s)",
            [
                request.POST.get("subject_name", ""),
                request.POST.get("subject_email", ""),
                request.POST.get("description", ""),
            ],
        )
    return HttpResponseRedirect("/bench/done/")


@csrf_exempt
@require_POST
def workflow_only(request: HttpRequest) -> HttpResponse:
    """Diagnostic: what `workflow.submission_create` alone costs, without the form's
    validation, challenge, rate limits or confirmation e-mail."""
    from accounts.models import Organization
    from dsr import audit, workflow

    workflow.submission_create(
        organization=Organization.objects.get(slug=request.POST["organization"]),
        rights=["access"],
        channel="web",
        language="en",
        actor=audit.Actor.subject(),
        subject_name=request.POST.get("subject_name", ""),
        subject_email=request.POST.get("subject_email", ""),
        description=request.POST.get("description", ""),
    )
    return HttpResponseRedirect("/bench/done/")

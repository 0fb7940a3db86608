"""Four eyes on releasing a data package (issue 18, `Organization.four_eyes_release`).

What is approved is the package as reviewed: the review and every decision in force
(exclusions and redactions). A decision added or undone after the approval changes the
hash, so the approval no longer covers the release and is asked again.

    release_approval_ask      an officer asks a second member to approve the release
    package_release_checked   the release, only with a live approval of the review as it is
                              (where the organisation asks for one); the review's own
                              service (dsr/fulfilment/review.py, `package_release`) does it
"""

from __future__ import annotations

from django.db import transaction

from dsr import audit, four_eyes
from dsr.fulfilment import review as package_review
from dsr.models import Approval, ApprovalKind, PackageReview


def release_approval_ask(*, review: PackageReview, actor: audit.Actor) -> Approval:
    covers, summary = four_eyes.release_covers(review)
    return four_eyes.approval_request(
        request=review.job.request,
        kind=ApprovalKind.RELEASE,
        covers=covers,
        summary=summary,
        actor=actor,
    )


def package_release_checked(*, review: PackageReview, by: audit.Actor) -> PackageReview:
    """`package_release`, gated: raises `four_eyes.ApprovalError` when the organisation asks
    for four eyes on releases and no second member approved the review as it now stands."""
    with transaction.atomic():
        request = review.job.request
        four_eyes.approval_use(
            request=request, kind=ApprovalKind.RELEASE, covers=four_eyes.release_covers(review)[0]
        )
        return package_review.package_release(review=review, by=by)

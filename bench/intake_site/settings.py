"""The product's settings, with what the intake benchmark needs on top.

- The baseline view's URL (bench.intake_site.urls).
- Rate limits raised out of reach: every submission of the benchmark comes from one
  address, yet each limit is still counted in the cache, as in production.
- Plain static files storage (no collectstatic in a throw-away run).
The proof-of-work difficulty comes from DSR_INTAKE_POW_BITS, which the benchmark sets to 0:
its client signs challenges itself (it knows SECRET_KEY) instead of solving them.
"""

from config.settings import *  # noqa: F403
from config.settings import INTAKE_RATE_LIMITS, STORAGES

ROOT_URLCONF = "bench.intake_site.urls"
INTAKE_RATE_LIMITS = {
    name: (10**9, seconds) for name, (_count, seconds) in INTAKE_RATE_LIMITS.items()
}
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

"""The request domain's models (being split along their seams)."""

from dsr.models.requests import *  # noqa: F403

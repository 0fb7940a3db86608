"""`{% form_once %}`: the one-time token of a desk form that must not do its work twice
(dsr/desk/once.py)."""

from django import template
from django.utils.html import format_html

from dsr.desk.once import FIELD, new_token

register = template.Library()


@register.simple_tag
def form_once() -> str:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())

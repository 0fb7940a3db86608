"""`{% inbox_new_count as n %}`: how many inbox e-mails wait for a decision, for the desk's
top bar. Counted for officers and managers only (viewers do not decide): 0 otherwise."""

from django import template

from dsr.inbox import services

register = template.Library()


@register.simple_tag(takes_context=True)
def inbox_new_count(context: template.Context) -> int:
    request = context.get("request")
    desk = getattr(request, "desk", None)
    if desk is None or not desk.can_act:
        return 0
    return services.inbox_new_count(desk.user, desk.organization)

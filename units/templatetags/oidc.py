from django import template

from units.oidc import login_button_context

register = template.Library()


@register.inclusion_tag("registration/_oidc_button.html", takes_context=True)
def oidc_login_button(context) -> dict:
    """The institution's sign-in button for the login page; nothing without a provider."""
    return {**login_button_context(), "next": context.get("next", "")}

"""`{{ value|number }}` and `{{ value|number:1 }}`: a figure written by hms.formats.number,
the same on pages and in PDFs."""

from django import template

from hms import formats

register = template.Library()


@register.filter
def number(value, places=0) -> str:
    try:
        places = int(places)
    except (TypeError, ValueError):
        places = 0
    return formats.number(value, places)

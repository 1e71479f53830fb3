from django import template
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("hms/_history_button.html")
def history_button(obj, size: str = ""):
    """The History button of a record page. The page is shown only to those who may see the
    record, and so may they its history (hms/history.py)."""
    content_type = ContentType.objects.get_for_model(type(obj))
    return {"url": reverse("history", args=[content_type.pk, obj.pk]), "size": size}

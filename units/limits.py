"""The bounds every input keeps, whatever the page sent: how many rows a formset builds. One
place, so every form says the same."""

from django import forms
from django.utils.translation import ngettext_lazy

# A formset's TOTAL_FORMS comes from the page and can say anything; Django builds at most
# `absolute_max` forms, and this many rows is more than any page of the app shows.
MAX_FORMSET_ROWS = 200


def bounded_formset(form, *, max_num: int = MAX_FORMSET_ROWS, **kwargs):
    """A formset class that builds and takes at most `max_num` rows: more is a form error
    above the rows, not thousands of forms."""
    formset_class = forms.formset_factory(
        form, max_num=max_num, absolute_max=max_num, validate_max=True, **kwargs
    )
    # Django merges these with its own messages along the class's bases.
    formset_class.default_error_messages = {
        "too_many_forms": ngettext_lazy(
            "At most %(num)d row can be saved at once.",
            "At most %(num)d rows can be saved at once.",
            "num",
        ),
    }
    return formset_class

from django.http import Http404


def deviation_list(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def deviation_export(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def trends(request, *args, **kwargs):  # replaced by the real view
    raise Http404

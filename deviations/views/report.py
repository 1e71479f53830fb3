from django.http import Http404


def report(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def receipt(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def unit_qr(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def unit_qr_svg(request, *args, **kwargs):  # replaced by the real view
    raise Http404

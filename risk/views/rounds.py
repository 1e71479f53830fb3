from django.http import Http404


def round_list(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def round_plan(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def overview(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def unit_status(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def round_detail(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def save_answers(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def save_checks(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def add_finding(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def finding_measure(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def finding_deviation(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def complete(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def report(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def report_pdf(request, *args, **kwargs):  # replaced by the real view
    raise Http404

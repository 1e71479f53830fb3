from django.http import Http404


def assessment_list(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def assessment_create(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def red_risks(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def unit_matrix(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def matrix_settings(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def assessment_detail(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def assessment_edit(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def activities(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def row_create(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def row_edit(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def row_delete(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def row_measure(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def participants(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def approve(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def start_review(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def assessment_pdf(request, *args, **kwargs):  # replaced by the real view
    raise Http404

from django.http import Http404


def detail(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def accept(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def reject(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def transfer(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def delegate(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def set_deadline(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def add_measure(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def close(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def comment(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def authorities_notified(request, *args, **kwargs):  # replaced by the real view
    raise Http404


def attachment(request, *args, **kwargs):  # replaced by the real view
    raise Http404

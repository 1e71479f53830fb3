from django.urls import path

from deviations.views import handle, lists, report

app_name = "deviations"

urlpatterns = [
    path("", lists.deviation_list, name="list"),
    path("export.<str:fmt>", lists.deviation_export, name="export"),
    path("trends/", lists.trends, name="trends"),
    path("unit-suggestions/", lists.unit_suggestions, name="unit_suggestions"),
    path("new/", report.report, name="report"),
    path("receipt/", report.receipt, name="receipt"),
    path("qr/<str:code>/", report.unit_qr, name="unit_qr"),
    path("qr/<str:code>/code.svg", report.unit_qr_svg, name="unit_qr_svg"),
    path("<str:number>/", handle.detail, name="detail"),
    path("<str:number>/accept/", handle.accept, name="accept"),
    path("<str:number>/reject/", handle.reject, name="reject"),
    path("<str:number>/transfer/", handle.transfer, name="transfer"),
    path("<str:number>/delegate/", handle.delegate, name="delegate"),
    path("<str:number>/deadline/", handle.set_deadline, name="deadline"),
    path("<str:number>/measures/new/", handle.add_measure, name="add_measure"),
    path("<str:number>/close/", handle.close, name="close"),
    path("<str:number>/reopen/", handle.reopen, name="reopen"),
    path("<str:number>/correct/", handle.correct, name="correct"),
    path("<str:number>/measures/<int:pk>/follow-up/", handle.follow_up, name="measure_follow_up"),
    path("<str:number>/comment/", handle.comment, name="comment"),
    path("<str:number>/authorities/", handle.authorities_notified, name="authorities"),
    path("<str:number>/attachments/<uuid:token>/", handle.attachment, name="attachment"),
]

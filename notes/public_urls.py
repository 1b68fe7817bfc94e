"""The public pages of payer notes: the payer matrix and "Which MAC covers me?". Included before
the reference's own URLs, so /payers/matrix/ is not taken for a payer called "matrix"."""

from django.urls import path

from notes import public

app_name = "notes"
urlpatterns = [
    path("payers/matrix/", public.matrix, name="matrix"),
    path("macs/", public.macs, name="macs"),
]

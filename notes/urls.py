"""The payer notes' admin at its addresses from before the move to this app (included under
/admin/codes/payernote/): each one redirects to the same page under /admin/notes/payernote/."""

from django.urls import path

from notes import views

urlpatterns = [
    path("", views.old_admin_url),
    path("<path:rest>", views.old_admin_url),
]

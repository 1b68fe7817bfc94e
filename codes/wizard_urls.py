from django.urls import path

from codes import wizard

app_name = "wizard"
urlpatterns = [
    # One URL for every step: the query string carries the answers (see WizardForm).
    path("", wizard.page, name="start"),
]

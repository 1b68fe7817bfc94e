from django.urls import path

from coding import views

app_name = "coding"
urlpatterns = [
    # One URL for every step: the query string carries the answers (see WizardForm).
    path("wizard/", views.page, name="wizard"),
    path("api/wizard", views.api, name="wizard-api"),
]

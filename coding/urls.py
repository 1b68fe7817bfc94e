from django.urls import path

from coding.views import audit, history, reader, wizard

app_name = "coding"
urlpatterns = [
    # One URL for every step: the query string carries the answers (see WizardForm).
    path("wizard/", wizard.page, name="wizard"),
    path("api/wizard", wizard.api, name="wizard-api"),
    # The history check: the session and the earlier ones travel in the POST, never stored.
    path("check/", history.page, name="check"),
    path("api/session-check", history.api, name="check-api"),
    # The claim auditor: the claim and the payer in the query string (page) or a JSON body (API).
    path("audit/", audit.page, name="audit"),
    path("api/audit-claim", audit.api, name="audit-api"),
    # The note reader: the note travels in the POST, never stored, never logged.
    path("read/", reader.page, name="reader"),
    path("api/read-note", reader.api, name="read-note-api"),
]

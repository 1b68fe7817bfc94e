from django.urls import path

from quiz import views

app_name = "quiz"
urlpatterns = [
    path("", views.quiz_list, name="list"),
    path("join", views.join, name="join"),
    path("progress", views.progress, name="progress"),
    path("drill", views.drill, name="drill"),
    path("certificates/<slug:code>/", views.certificate, name="certificate"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/<uuid:session_id>/", views.session_page, name="session"),
    path("sessions/<uuid:session_id>/status", views.session_status, name="session_status"),
    path("sessions/<uuid:session_id>/answers.csv", views.session_csv, name="session_csv"),
    path("sessions/<uuid:session_id>/projector", views.projector, name="projector"),
    path("sessions/<uuid:session_id>/reveal", views.reveal, name="reveal"),
    path(
        "sessions/<uuid:session_id>/trainees/<uuid:attempt_id>/",
        views.session_trainee,
        name="session_trainee",
    ),
    path("attempts/<uuid:attempt_id>/", views.attempt_page, name="attempt"),
    path("attempts/<uuid:attempt_id>/time", views.time_left, name="time_left"),
    path("attempts/<uuid:attempt_id>/results", views.results, name="results"),
    path("attempts/<uuid:attempt_id>/retry", views.retry, name="retry"),
    path("attempts/<uuid:attempt_id>/certificate", views.certify, name="certify"),
    path("attempts/<uuid:attempt_id>/<int:number>/", views.question_page, name="question"),
    path("<slug:slug>/", views.quiz_page, name="quiz"),
    path("<slug:slug>/start", views.start, name="start"),
]

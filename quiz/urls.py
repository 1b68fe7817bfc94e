from django.urls import path

from quiz import views

app_name = "quiz"
urlpatterns = [
    path("", views.quiz_list, name="list"),
    path("join", views.join, name="join"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/<uuid:session_id>/", views.session_page, name="session"),
    path("sessions/<uuid:session_id>/status", views.session_status, name="session_status"),
    path("sessions/<uuid:session_id>/answers.csv", views.session_csv, name="session_csv"),
    path("attempts/<uuid:attempt_id>/", views.attempt_page, name="attempt"),
    path("attempts/<uuid:attempt_id>/time", views.time_left, name="time_left"),
    path("attempts/<uuid:attempt_id>/results", views.results, name="results"),
    path("attempts/<uuid:attempt_id>/<int:number>/", views.question_page, name="question"),
    path("<slug:slug>/", views.quiz_page, name="quiz"),
    path("<slug:slug>/start", views.start, name="start"),
]

from django.urls import path

from codes import api

app_name = "api"
urlpatterns = [
    path("codes/", api.code_list, name="codes"),
    path("codes/<str:code>", api.code_detail, name="code"),
]

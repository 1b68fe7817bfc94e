from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from codes import api

urlpatterns = [
    path("healthz", api.healthz, name="healthz"),
    path("api/", include("codes.api_urls")),
    path("admin/codes/payernote/", include("notes.urls")),  # bookmarks from before notes/
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("coding.urls")),
    path("quiz/", include("quiz.urls")),
    path("", include("notes.public_urls")),  # before codes': /payers/matrix/ is no payer
    path("", include("codes.urls")),
]

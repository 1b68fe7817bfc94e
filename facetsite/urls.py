from django.contrib import admin
from django.urls import include, path

from codes import api

urlpatterns = [
    path("healthz", api.healthz, name="healthz"),
    path("api/", include("codes.api_urls")),
    path("admin/", admin.site.urls),
    path("wizard/", include("codes.wizard_urls")),
    path("", include("codes.urls")),
]

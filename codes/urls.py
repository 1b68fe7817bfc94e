from django.urls import path

from codes import views

app_name = "codes"
urlpatterns = [
    path("", views.home, name="home"),
    path("codes/<str:code>/", views.code_page, name="code"),
    path("modifiers/<str:code>/", views.modifier_page, name="modifier"),
    path("payers/<slug:slug>/", views.payer_page, name="payer"),
    path("sources/", views.sources_page, name="sources"),
]

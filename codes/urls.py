from django.urls import path

from codes import views

app_name = "codes"
urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon),
    path("search", views.search, name="search"),
    path("codes/<str:code>/", views.code_page, name="code"),
    path("codes/<str:code>/<str:section>/", views.code_section, name="code-section"),
    path("modifiers/", views.modifiers, name="modifiers"),
    path("modifiers/<str:code>/", views.modifier_page, name="modifier"),
    path("taxonomies/", views.taxonomies, name="taxonomies"),
    path("payers/", views.payers, name="payers"),
    path("payers/<str:slug>/", views.payer_page, name="payer"),
    path("sources/", views.sources, name="sources"),
    path("compare", views.compare, name="compare"),
    path("cheatsheet/", views.cheatsheets, name="cheatsheets"),
    path("cheatsheet/<str:family>/", views.cheatsheet, name="cheatsheet"),
]

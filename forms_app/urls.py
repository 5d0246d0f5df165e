from django.urls import path

from . import views

app_name = "forms_app"
urlpatterns = [
    path("foto/<uuid:key>/", views.submission_photo, name="submission_photo"),
]

"""The test site serves allauth's headless API only, at /_allauth/ as a real site would."""

from django.urls import include, path

urlpatterns = [path("_allauth/", include("allauth.headless.urls"))]

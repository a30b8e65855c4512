from django.contrib.auth import views as auth_views
from django.urls import path

from editor import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.design_list, name="design-list"),
    path("designs/<int:pk>/", views.design_detail, name="design-detail"),
    path("designs/<int:pk>/download/", views.design_download, name="design-download"),
]

app_name = "ideabank"

urlpatterns: list = []

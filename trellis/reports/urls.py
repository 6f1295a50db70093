from trellis.reports import views_issued

app_name = "reports"

urlpatterns = [*views_issued.urlpatterns]

"""The payer's pages."""

urlpatterns = []

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from codes.models import Dataset


def dataset(request: HttpRequest) -> dict:
    """The loaded dataset's version and date, queried only by templates that show it."""
    return {"dataset": SimpleLazyObject(lambda: Dataset.objects.order_by("-pk").first())}

"""The payer's language: the switcher's choice (a cookie), else the browser's."""

from functools import wraps

from django.utils import translation
from django.utils.cache import patch_vary_headers


def localized(view):
    """Per view rather than LocaleMiddleware, so the merchant API keeps its English errors."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        language = translation.get_language_from_request(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, *args, **kwargs)
            if not getattr(response, "is_rendered", True):  # a TemplateResponse: render now
                response.render()
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Accept-Language", "Cookie"])
        return response

    return wrapped

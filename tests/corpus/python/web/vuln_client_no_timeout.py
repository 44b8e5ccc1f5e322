# expect: CWE-400 CWE-614
import requests
from django.http import HttpResponse


def proxy_avatar(request, user_id: int) -> HttpResponse:
    upstream = requests.get(f"https://avatars.internal/{user_id}")
    response = HttpResponse(upstream.content, content_type="image/png")
    response.set_cookie("avatar_seen", "1", secure=False)
    return response

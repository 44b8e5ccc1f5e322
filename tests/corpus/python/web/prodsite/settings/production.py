# expect: CWE-16 CWE-489
from .base import *  # noqa: F403

DEBUG = True
ALLOWED_HOSTS = ["*"]
SECURE_HSTS_SECONDS = 0

# expect: none
# syntax=docker/dockerfile:1.7
FROM python:3.12.4-slim@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef AS build
RUN --mount=type=cache,target=/var/lib/apt \
    apt-get update && apt-get install -y --no-install-recommends build-essential
RUN --mount=type=secret,id=pip_token \
    PIP_INDEX_URL="https://$(cat /run/secrets/pip_token)@pypi.example.com/simple" pip wheel -w /wheels .

FROM python:3.12.4-slim
ENV PYTHONDONTWRITEBYTECODE=1 API_KEY_FILE=/run/secrets/api_key
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/ca.pem /etc/ssl/certs/
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && chmod 755 /usr/local/bin
RUN curl -fsSL https://example.com/version.json | python -c "import json,sys; print(json.load(sys.stdin))"
EXPOSE 8000
USER 10001
CMD ["gunicorn", "app:app"]

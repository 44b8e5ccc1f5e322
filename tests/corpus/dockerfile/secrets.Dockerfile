# expect: CWE-798
FROM python:3.12-slim
ARG PIP_INDEX_TOKEN
ENV DJANGO_SECRET_KEY=django-insecure-4f9a8b7c DJANGO_DEBUG=0
RUN pip install --no-cache-dir -r requirements.txt
USER 10001

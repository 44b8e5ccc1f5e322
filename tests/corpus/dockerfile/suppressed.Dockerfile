# expect: none
FROM debian:12
# vigil: ignore[DKR002] -- the entrypoint drops privileges with gosu
USER root
RUN apt-get update && apt-get install -y --no-install-recommends gosu && rm -rf /var/lib/apt/lists/*
ENTRYPOINT ["/entrypoint.sh"]

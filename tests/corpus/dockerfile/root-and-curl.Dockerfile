# expect: CWE-250 CWE-494 CWE-1357
FROM node
WORKDIR /srv
RUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash - \
    && apt-get install -y --no-install-recommends nodejs \
    && rm -rf /var/lib/apt/lists/*
COPY . .
CMD ["node", "index.js"]

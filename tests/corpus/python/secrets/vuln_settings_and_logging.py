# expect: CWE-798 CWE-532 CWE-259
import logging
import os

import psycopg

log = logging.getLogger("billing")

DATABASE_URL = "postgresql://billing:Qz7Lm2Xr9Tk4@billing-db.prod.internal:5432/billing"
SLACK_BOT_TOKEN = "xoxb-5829103746-8174629305-LpQmZr8TnXw2Vb5Kc7Jd"
SMTP_PASSWORD = "Winter2024!mail"


def connect(password: str | None = None):
    password = password or os.environ.get("DB_PASSWORD")
    log.debug("connecting with password=%s", password)
    return psycopg.connect(DATABASE_URL)

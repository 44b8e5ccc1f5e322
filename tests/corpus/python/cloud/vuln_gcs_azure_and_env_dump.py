# expect: CWE-732 CWE-532
import logging
import os

from azure.storage.blob import BlobServiceClient
from google.cloud import storage

log = logging.getLogger(__name__)


def publish_thumbnail(path: str) -> str:
    blob = storage.Client().bucket("thumbnails").blob(path)
    blob.upload_from_filename(path)
    blob.make_public()
    return blob.public_url


def create_media_container(conn_str: str) -> None:
    log.info("starting with environment %s", os.environ)
    service = BlobServiceClient.from_connection_string(conn_str)
    service.create_container("media", public_access="container")

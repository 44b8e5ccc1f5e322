# expect: none
"""Imports whose module names differ from their distributions, first-party and optional ones."""
import os
import subprocess
import sys

import cv2
import yaml
from bs4 import BeautifulSoup
from PIL import Image
from sklearn.pipeline import Pipeline

from app.settings import Settings

try:
    import orjsonx_speedups as speedups
except ImportError:
    speedups = None


def bootstrap() -> None:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "pyarrow==17.0.0"])
    os.environ.setdefault("MODE", "prod")

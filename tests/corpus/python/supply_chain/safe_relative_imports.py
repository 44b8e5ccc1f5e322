# expect: none
"""Package-relative imports and stdlib only."""
import json
import logging
from dataclasses import dataclass

from . import models
from .utils import helpers

log = logging.getLogger(__name__)


@dataclass
class Record:
    payload: dict

    def dump(self) -> str:
        return json.dumps(self.payload)

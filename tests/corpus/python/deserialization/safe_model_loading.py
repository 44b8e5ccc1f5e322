# expect: none
"""Loads weights without unpickling objects."""
import json

import numpy as np
import torch
from safetensors.torch import load_file


def load_weights(path: str) -> dict:
    if path.endswith(".safetensors"):
        return load_file(path)
    return torch.load(path, map_location="cpu", weights_only=True)


def load_scripted(path: str):
    return torch.jit.load(path)


def load_vectors(path: str):
    return np.load(path, allow_pickle=False)


def load_labels(path: str) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)

# expect: CWE-502 CWE-494
"""Loads models published by the data-science team into the inference service."""
import joblib
import numpy as np
import torch


def load_classifier(path: str):
    return joblib.load(path)


def load_embeddings(path: str):
    return np.load(path, allow_pickle=True)


def load_detector(checkpoint: str):
    backbone = torch.hub.load("vision-lab/detectors", "yolo_small", trust_repo=True)
    backbone.load_state_dict(torch.load(checkpoint, map_location="cpu"))
    return backbone

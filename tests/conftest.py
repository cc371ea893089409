"""Shared pytest set-up: make `ansible_collections.eks_llm.inference` importable from this clone."""

import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO_ROOT, "build", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "eks_llm", "inference")
SHARED = os.path.join(os.path.dirname(REPO_ROOT), "shared")


def _ensure_link():
    if os.path.islink(LINK) or os.path.exists(LINK):
        return
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    try:
        os.symlink(os.path.relpath(REPO_ROOT, os.path.dirname(LINK)), LINK)
    except FileExistsError:  # another worker made it first
        pass


_ensure_link()
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

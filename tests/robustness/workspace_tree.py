"""A big generated workspace for the scale tests (tests/robustness/test_workspace_scale.py)
and ``scripts/workspace_100k.py``.

Mostly empty ``.py`` files (creating them is what costs time: ~5 s per 100k here), 20 per
folder two levels deep, every 100th file holding a finding so a scan has something to
publish, plus what discovery must never descend into: ``.git``, ``node_modules``, ``.venv``
and a ``build/`` folder and ``*_gen.py`` files ignored by ``.gitignore``.
"""

from __future__ import annotations

from pathlib import Path

FILES_PER_FOLDER = 20
FOLDERS_PER_PACKAGE = 50
#: Files under folders that discovery must prune (never counted, never walked into).
IGNORED_FOLDERS = ("node_modules/lib", ".venv/lib/site-packages", "build/out")
IGNORED_PER_FOLDER = 500
IGNORED_FILES = len(IGNORED_FOLDERS) * IGNORED_PER_FOLDER
#: Every this-many-th file has a finding (DES002).
FINDING_EVERY = 100
FINDING = "import yaml\n\n\ndef read(stream):\n    return yaml.load(stream)\n"


def make_tree(root: Path, files: int) -> list[Path]:
    """Create ``files`` discoverable Python files under ``root`` (plus the ignored ones and
    one ignored ``*_gen.py`` per folder); return the folders that hold the discoverable ones."""
    root.mkdir(parents=True, exist_ok=True)
    (root / ".git").mkdir(exist_ok=True)
    (root / ".gitignore").write_text("build/\n*_gen.py\n", encoding="utf-8")
    folders: list[Path] = []
    made = 0
    index = 0
    while made < files:
        folder = root / f"pkg{index // FOLDERS_PER_PACKAGE}" / f"sub{index % FOLDERS_PER_PACKAGE}"
        folder.mkdir(parents=True, exist_ok=True)
        folders.append(folder)
        for number in range(min(FILES_PER_FOLDER, files - made)):
            path = folder / f"m{number}.py"
            if made % FINDING_EVERY == 0:
                path.write_text(FINDING, encoding="utf-8")
            else:
                path.touch()
            made += 1
        (folder / "ignored_gen.py").write_text(FINDING, encoding="utf-8")
        index += 1
    for relative in IGNORED_FOLDERS:
        folder = root / relative
        folder.mkdir(parents=True, exist_ok=True)
        for number in range(IGNORED_PER_FOLDER):
            (folder / f"i{number}.py").write_text(FINDING, encoding="utf-8")
    return folders

"""Cloud-native files through the real server: a Dockerfile and a Kubernetes manifest get
diagnostics while typing and a working quick fix, under every recorded client."""

from __future__ import annotations

from lsprotocol import types

from tests.lsp.conftest import Session

DOCKERFILE = 'FROM python:3.12-slim\nRUN pip install --no-cache-dir flask\nUSER root\nCMD ["python", "app.py"]\n'
MANIFEST = (
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata:\n"
    "  name: web\n"
    "spec:\n"
    "  containers:\n"
    "    - name: app\n"
    "      image: registry.example.com/web:1.4.2\n"
    "      securityContext:\n"
    "        privileged: true\n"
)


async def _fix(session: Session, uri: str, diagnostic: types.Diagnostic) -> types.CodeAction:
    actions = await session.client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic], only=[types.CodeActionKind.QuickFix])))
    assert actions
    return next(a for a in actions if isinstance(a, types.CodeAction)
                and a.title.startswith(f"Vigil ({diagnostic.code})"))


async def test_dockerfile_user_root_is_fixed(session: Session) -> None:
    uri = session.uri("Dockerfile")
    diagnostics = await session.open("Dockerfile", DOCKERFILE, language_id="dockerfile")
    (root,) = [d for d in diagnostics if d.code == "DKR002"]
    assert root.range.start.line == 2 and root.source == "vigil"
    fix = await _fix(session, uri, root)
    assert fix.edit is not None
    after = await session.apply(fix.edit)
    assert "DKR002" not in {d.code for d in after}
    assert session.texts[uri] == DOCKERFILE.replace("USER root", "USER 10001")


async def test_kubernetes_privileged_is_fixed_and_typing_updates(session: Session) -> None:
    uri = session.uri("k8s/pod.yaml")
    diagnostics = await session.open("k8s/pod.yaml", MANIFEST, language_id="yaml")
    (privileged,) = [d for d in diagnostics if d.code == "K8S001"]
    assert privileged.range.start.line == 9
    fix = await _fix(session, uri, privileged)
    assert fix.edit is not None
    after = await session.apply(fix.edit)
    assert "K8S001" not in {d.code for d in after}
    assert session.texts[uri].endswith("privileged: false\n")
    # Typing it back brings the finding back: the manifest is analysed live, not only on open.
    line = session.texts[uri].splitlines()[9]
    start = types.Position(line=9, character=line.index("false"))
    end = types.Position(line=9, character=len(line))
    again = await session.change(uri, [types.TextEdit(range=types.Range(start=start, end=end), new_text="true")])
    assert "K8S001" in {d.code for d in again}

/**
 * Shows what `vigil.showRuleDocs` returns (the server answers with the rule's Markdown) in
 * VS Code's Markdown preview, through a read-only virtual document: no untitled editor is left
 * behind asking to be saved.
 */
import * as vscode from 'vscode';

export const RULE_DOCS_SCHEME = 'vigil-rule';

export class RuleDocsProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly pages = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.pages.get(uri.path) ?? '';
  }

  /** Show `result` (Markdown, a link, or nothing) for `ruleId`. */
  async show(ruleId: string, result: unknown): Promise<void> {
    if (typeof result === 'string' && /^https?:\/\/\S+$/.test(result.trim())) {
      await vscode.env.openExternal(vscode.Uri.parse(result.trim()));
      return;
    }
    if (typeof result !== 'string' || result.trim() === '') {
      void vscode.window.showInformationMessage(`Vigil has no documentation for rule "${ruleId}".`);
      return;
    }
    const uri = vscode.Uri.from({ scheme: RULE_DOCS_SCHEME, path: `/${ruleId}.md` });
    this.pages.set(uri.path, result);
    this.changed.fire(uri);
    try {
      await vscode.commands.executeCommand('markdown.showPreview', uri);
    } catch {
      // No Markdown extension (disabled built-in): show the source instead.
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}

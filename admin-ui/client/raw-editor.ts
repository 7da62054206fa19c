/**
 * <rules-json-editor>: the raw view of a rules file, a CodeMirror 6 editor over a plain
 * <textarea name="source"> that stays the form's field (its value follows every edit, so a normal
 * POST sends it, and without JavaScript the textarea is the editor). JSON highlighting and
 * syntax linting, JSON-Schema validation, completion and hover from the schema at `schema-url`,
 * line numbers, and the server's problems from a child <script type="application/json"
 * class="problems"> as diagnostics. Tab indents; Escape then Tab leaves the editor. Markup:
 *
 *   <rules-json-editor schema-url="/admin/assets/rules.schema.json">
 *     <label for="rules-source">Rules file</label>
 *     <textarea id="rules-source" name="source" aria-describedby="rules-source-help">…</textarea>
 *     <p id="rules-source-help">Escape, then Tab, leaves the editor.</p>
 *     <script type="application/json" class="problems">[{"line":3,"column":5,"message":"…"}]</script>
 *   </rules-json-editor>
 *
 * State for styles and tests: attribute `data-enhanced` once the editor is up, `data-schema`
 * "loading" | "loaded" | "failed".
 */
import { basicSetup } from 'codemirror';
import { indentWithTab } from '@codemirror/commands';
import { json, jsonLanguage, jsonParseLinter } from '@codemirror/lang-json';
import { linter, lintGutter } from '@codemirror/lint';
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView, hoverTooltip, keymap } from '@codemirror/view';
import { disableErrorLogging } from 'best-effort-json-parser';
import { handleRefresh, jsonCompletion, jsonSchemaHover, jsonSchemaLinter, stateExtensions, updateSchema } from 'codemirror-json-schema';
import { toDraft04 } from './schema-draft04.ts';
import { parseProblems, serverProblemsField, serverProblemsSource } from './server-problems.ts';

// The schema extensions parse the half-typed document on every keystroke; an unfinished value is
// the normal state while typing, not an error for the browser's console.
disableErrorLogging();

const theme = EditorView.theme({
  '&': { border: '1px solid #767676', borderRadius: '4px', fontSize: '0.9rem', backgroundColor: '#fff' },
  '&.cm-focused': { outline: '3px solid #1a5fb4', outlineOffset: '1px' },
  '.cm-scroller': { minHeight: '20rem', maxHeight: '75vh', overflow: 'auto', fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' },
});

/** The textarea's accessible name: its <label>, else its own aria-label / aria-labelledby. */
function labelOf(textarea: HTMLTextAreaElement): string | undefined {
  const fromLabels = [...(textarea.labels ?? [])].map((l) => l.textContent?.trim()).filter(Boolean).join(' ');
  if (fromLabels) return fromLabels;
  const own = textarea.getAttribute('aria-label')?.trim();
  if (own) return own;
  const ids = textarea.getAttribute('aria-labelledby')?.split(/\s+/) ?? [];
  const byIds = ids.map((id) => document.getElementById(id)?.textContent?.trim()).filter(Boolean).join(' ');
  return byIds || undefined;
}

export class RulesJsonEditor extends HTMLElement {
  #view: EditorView | undefined;
  #textarea: HTMLTextAreaElement | undefined;
  #cleanup: Array<() => void> = [];

  /** The editor's text (the same as the textarea's value); setting it replaces the text. */
  get value(): string {
    return this.#view?.state.doc.toString() ?? this.#textarea?.value ?? '';
  }

  set value(text: string) {
    if (this.#view) this.#view.dispatch({ changes: { from: 0, to: this.#view.state.doc.length, insert: text } });
    else if (this.#textarea) this.#textarea.value = text;
  }

  /** The CodeMirror view, for a page script that needs more (undefined before enhancement). */
  get view(): EditorView | undefined {
    return this.#view;
  }

  connectedCallback(): void {
    // Defined before the parser reached the children (a script in <head> without defer): wait for them.
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', () => this.isConnected && this.#enhance(), { once: true });
      return;
    }
    this.#enhance();
  }

  #enhance(): void {
    if (this.#view) return;
    const textarea = this.querySelector<HTMLTextAreaElement>('textarea[name="source"]') ?? this.querySelector('textarea');
    if (!textarea) return;
    this.#textarea = textarea;
    const problems = parseProblems(this.querySelector('script.problems')?.textContent);
    const field = serverProblemsField(problems);
    const readOnly = textarea.readOnly || textarea.disabled;
    const label = labelOf(textarea);
    const describedBy = textarea.getAttribute('aria-describedby');

    const extensions: Extension[] = [
      basicSetup,
      keymap.of([indentWithTab]),
      json(),
      lintGutter(),
      linter(jsonParseLinter()),
      linter(jsonSchemaLinter(), { needsRefresh: handleRefresh }),
      field,
      linter(serverProblemsSource(field)),
      jsonLanguage.data.of({ autocomplete: jsonCompletion() }),
      hoverTooltip(jsonSchemaHover()),
      stateExtensions(),
      theme,
      EditorView.contentAttributes.of({
        ...(label ? { 'aria-label': label } : {}),
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      }),
      EditorState.readOnly.of(readOnly),
      EditorView.editable.of(!readOnly),
      EditorView.updateListener.of((update) => {
        if (!update.docChanged) return;
        textarea.value = update.state.doc.toString();
        textarea.dispatchEvent(new Event('input', { bubbles: true }));
      }),
    ];

    const host = document.createElement('div');
    host.className = 'rules-json-editor';
    textarea.after(host);
    this.#view = new EditorView({ parent: host, state: EditorState.create({ doc: textarea.value, extensions }) });
    textarea.hidden = true;

    // The label still leads to the field; a form reset brings the textarea's text back into the editor.
    const focus = (event: Event) => {
      event.preventDefault();
      this.#view?.focus();
    };
    for (const l of textarea.labels ?? []) {
      l.addEventListener('click', focus);
      this.#cleanup.push(() => l.removeEventListener('click', focus));
    }
    const form = textarea.form;
    if (form) {
      const reset = () => setTimeout(() => {
        if (this.#view && this.#view.state.doc.toString() !== textarea.value) this.value = textarea.value;
      });
      form.addEventListener('reset', reset);
      this.#cleanup.push(() => form.removeEventListener('reset', reset));
    }
    this.#cleanup.push(() => {
      host.remove();
      textarea.hidden = false;
    });
    this.setAttribute('data-enhanced', '');
    void this.#loadSchema();
  }

  disconnectedCallback(): void {
    for (const undo of this.#cleanup.splice(0)) undo();
    this.#view?.destroy();
    this.#view = undefined;
    this.removeAttribute('data-enhanced');
  }

  async #loadSchema(): Promise<void> {
    const url = this.getAttribute('schema-url');
    if (!url) return;
    this.setAttribute('data-schema', 'loading');
    try {
      const response = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (!response.ok) throw new Error(`${response.status}`);
      const schema = toDraft04(await response.json()) as Parameters<typeof updateSchema>[1];
      if (!this.#view) return;
      updateSchema(this.#view, schema);
      this.setAttribute('data-schema', 'loaded');
    } catch {
      // The editor still highlights and checks the JSON syntax; the server validates on save.
      this.setAttribute('data-schema', 'failed');
    }
  }
}

if (!customElements.get('rules-json-editor')) customElements.define('rules-json-editor', RulesJsonEditor);

declare global {
  interface HTMLElementTagNameMap {
    'rules-json-editor': RulesJsonEditor;
  }
}

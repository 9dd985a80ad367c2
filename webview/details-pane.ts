// The details pane: the selected row in full — the whole value (up to the runtime's cap), who created the task,
// the site, the cause of a wake — as selectable text with a Copy button. Text nodes only.

import { button, el } from './dom';

export class DetailsPane {
  readonly root: HTMLDivElement;
  private readonly body: HTMLPreElement;
  private shownFor = '';

  constructor(onClose: () => void) {
    this.body = el('pre', { class: 'details-text', tabindex: '0', 'aria-label': 'Details of the selected event' });
    const copy = button('copy', 'Copy the details');
    const close = button('close', 'Close the details (Escape)');
    copy.addEventListener('click', () => this.copy());
    close.addEventListener('click', onClose);
    this.root = el(
      'div',
      { class: 'details-pane', role: 'region', 'aria-label': 'Selected event' },
      el('div', { class: 'details-bar' }, el('span', { class: 'details-title' }, 'Selected event'), copy, close),
      this.body,
    );
    this.root.hidden = true;
  }

  /** Show `text` (the key says for which event and data, so a redraw does not rebuild the same text). */
  show(key: string, text: () => string): void {
    if (this.shownFor !== key) {
      this.shownFor = key;
      this.body.textContent = text();
    }
    this.root.hidden = false;
  }

  hide(): void {
    this.root.hidden = true;
    this.shownFor = '';
  }

  get text(): string {
    return this.body.textContent ?? '';
  }

  private copy(): void {
    const text = this.text;
    // The clipboard API may be refused in a webview; selecting the text and copying works there.
    const fallback = () => {
      const r = document.createRange();
      r.selectNodeContents(this.body);
      const sel = getSelection();
      sel?.removeAllRanges();
      sel?.addRange(r);
      try {
        document.execCommand('copy');
      } catch {
        /* the text stays selected for Ctrl+C */
      }
    };
    if (navigator.clipboard?.writeText) navigator.clipboard.writeText(text).catch(fallback);
    else fallback();
  }
}

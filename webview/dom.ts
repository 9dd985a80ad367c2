// Building DOM without markup: elements, attributes and text nodes only, so no
// program string can ever be parsed as HTML.

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

/** A codicon (the icon font shipped as dist/webview/codicon.css). */
export function icon(name: string): HTMLSpanElement {
  return el('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true' });
}

export function button(iconName: string, title: string, text = ''): HTMLButtonElement {
  const b = el('button', { type: 'button', title, 'aria-label': title }, icon(iconName));
  if (text) b.append(el('span', { class: 'label' }, text));
  return b;
}

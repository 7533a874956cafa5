import { render } from 'preact';
import { strings } from './strings';
import { applyStyles } from './styles';
import { themeFor } from './theme';
import { Widget } from './widget';

export const ELEMENT_NAME = 'chat-widget';
export const ATTRIBUTES = [
  'server',
  'title',
  'greeting',
  'color',
  'position',
] as const;

/**
 * Defines `<chat-widget server title greeting color position>` unless the page already has one. The
 * widget lives in an open shadow root; without a `server` attribute it talks to `defaultServer`.
 */
export function defineChatWidget(defaultServer: string): void {
  if (customElements.get(ELEMENT_NAME)) return;

  class ChatWidgetElement extends HTMLElement {
    static observedAttributes = ATTRIBUTES;
    private mount: HTMLDivElement | null = null;

    connectedCallback(): void {
      if (!this.mount) {
        const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
        applyStyles(root);
        this.mount = document.createElement('div');
        // An empty title stops the element's own `title` attribute showing as a tooltip over the widget.
        this.mount.title = '';
        root.append(this.mount);
      }
      this.update();
    }

    attributeChangedCallback(): void {
      if (this.mount && this.isConnected) this.update();
    }

    disconnectedCallback(): void {
      if (this.mount) render(null, this.mount);
    }

    private update(): void {
      const server = originOf(this.getAttribute('server')) ?? defaultServer;
      render(
        <Widget
          key={server}
          server={server}
          title={this.getAttribute('title') || strings.defaultTitle}
          greeting={this.getAttribute('greeting') || strings.defaultGreeting}
          position={this.getAttribute('position') === 'left' ? 'left' : 'right'}
          theme={themeFor(this.getAttribute('color'))}
        />,
        this.mount!,
      );
    }
  }

  customElements.define(ELEMENT_NAME, ChatWidgetElement);
}

/** Socket.IO reads a URL's path as a namespace, so only the origin is kept. */
export function originOf(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const { origin } = new URL(url, location.href);
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

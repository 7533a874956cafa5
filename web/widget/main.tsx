import {
  ATTRIBUTES,
  defineChatWidget,
  ELEMENT_NAME,
  originOf,
} from './element';

// Only readable while this script first runs: it says where the chat server is and how to set it up.
const script = document.currentScript as HTMLScriptElement | null;
const defaultServer =
  originOf(script?.dataset.server) ?? originOf(script?.src) ?? location.origin;

defineChatWidget(defaultServer);

if (script) {
  const addWidget = () => {
    // A page that writes its own <chat-widget> keeps just that one.
    if (document.querySelector(ELEMENT_NAME)) return;
    const widget = document.createElement(ELEMENT_NAME);
    for (const name of ATTRIBUTES) {
      const value =
        name === 'server' ? defaultServer : script.getAttribute(`data-${name}`);
      if (value) widget.setAttribute(name, value);
    }
    document.body.append(widget);
  };
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', addWidget, { once: true });
  } else {
    addWidget();
  }
}

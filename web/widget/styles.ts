/**
 * The widget's only styles, scoped to its shadow root. `:host { all: initial !important }` keeps the
 * page's rules (even `!important` ones, which lose to the shadow tree's) off the element itself.
 */
const css = `
:host{all:initial!important}
.widget{color-scheme:light;font:400 15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif,"Apple Color Emoji","Segoe UI Emoji","Noto Color Emoji";color:#1d2330;text-align:start;-webkit-font-smoothing:antialiased;--cw-muted:#596273;--cw-soft:#f0f2f5;--cw-line:#e3e6eb;--cw-error:#b42318}
*,*::before,*::after{box-sizing:border-box}
p,h2{margin:0}
button,textarea{font:inherit;color:inherit;letter-spacing:inherit}
button{cursor:pointer}
button:disabled{cursor:default}
svg{display:block;flex:none}
:focus-visible{outline:3px solid var(--cw-ring);outline-offset:2px}
.sr-only{position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}

.launcher{position:fixed;z-index:2147483000;bottom:20px;right:20px;width:60px;height:60px;padding:0;border:0;border-radius:50%;display:grid;place-items:center;background:var(--cw-accent);color:var(--cw-on-accent);box-shadow:0 6px 20px rgb(15 23 42/.24),0 2px 6px rgb(15 23 42/.14);transition:transform .18s ease}
.left .launcher{left:20px;right:auto}
.launcher:hover{transform:scale(1.06)}
.launcher:focus-visible{outline:0;box-shadow:0 0 0 3px #fff,0 0 0 6px var(--cw-ring),0 6px 20px rgb(15 23 42/.24)}
.launcher svg{width:28px;height:28px}
.badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border:2px solid #fff;border-radius:11px;background:#c9252d;color:#fff;font-size:12px;font-weight:700;line-height:18px;text-align:center}

.panel{position:fixed;z-index:2147483000;bottom:96px;right:20px;width:380px;height:min(600px,calc(100vh - 116px));display:flex;flex-direction:column;overflow:hidden;background:#fff;border-radius:16px;box-shadow:0 16px 48px rgb(15 23 42/.2),0 2px 8px rgb(15 23 42/.1);transform-origin:bottom right;animation:cw-in .2s ease-out}
.left .panel{left:20px;right:auto;transform-origin:bottom left}
.panel:focus{outline:0}
@keyframes cw-in{from{opacity:0;transform:translateY(10px) scale(.98)}}
@keyframes cw-fade{from{opacity:0}}

.header{display:flex;align-items:center;gap:12px;padding:16px 10px 16px 18px;background:var(--cw-accent);color:var(--cw-on-accent)}
.header :focus-visible{outline-color:var(--cw-on-accent)}
.avatar{width:40px;height:40px;border-radius:50%;display:grid;place-items:center;background:color-mix(in srgb,var(--cw-on-accent) 16%,transparent)}
.avatar svg{width:22px;height:22px}
.heading{flex:1;min-width:0}
.title{font-size:17px;font-weight:650;line-height:1.25;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.subtitle{margin-top:2px;font-size:13px}
.icon-button{width:40px;height:40px;padding:0;border:0;border-radius:50%;display:grid;place-items:center;background:none}
.icon-button:hover{background:color-mix(in srgb,var(--cw-on-accent) 15%,transparent)}

.banner{padding:7px 16px;background:#fff6db;border-bottom:1px solid #f1e2b3;color:#5a4300;font-size:13px;font-weight:500;text-align:center}

.log{flex:1;display:flex;flex-direction:column;gap:3px;padding:8px 16px 16px;overflow-y:auto;overscroll-behavior:contain}
.log:focus-visible{outline-offset:-3px}
.earlier{display:flex;flex-direction:column;align-items:center;gap:4px;margin-top:8px}
.earlier-button,.handoff,.failure button{display:inline-flex;align-items:center;gap:6px;padding:5px 14px;border:1px solid #cfd4dc;border-radius:999px;background:#fff;font-size:13px;font-weight:600}
.earlier-button:hover,.handoff:hover,.failure button:hover{background:#f5f6f8}
.earlier-failed{font-size:13px;color:var(--cw-error)}

.msg{display:flex;flex-direction:column;max-width:84%}
.msg.first{margin-top:14px}
.them{align-self:flex-start;align-items:flex-start}
.me{align-self:flex-end;align-items:flex-end}
.meta{margin:0 6px 4px;font-size:12px;color:var(--cw-muted)}
.who{margin-right:2px;font-weight:600;color:#3b4250}
.bubble{padding:9px 14px;border-radius:18px;white-space:pre-wrap;overflow-wrap:anywhere}
.them .bubble{background:var(--cw-soft);border-bottom-left-radius:6px}
.me .bubble{background:var(--cw-accent);color:var(--cw-on-accent);border-bottom-right-radius:6px}
.me[data-status=failed] .bubble{background:#fff;color:#1d2330;box-shadow:inset 0 0 0 1.5px var(--cw-error)}
.receipt{margin:3px 6px 0;font-size:12px;color:var(--cw-muted)}
.failure{margin-top:6px;font-size:13px;color:var(--cw-error);text-align:end}
.failure div{display:flex;justify-content:flex-end;gap:8px;margin-top:6px}
.failure button{color:#1d2330}

.system,.notice{align-self:center;max-width:90%;margin:14px 0 2px;padding:8px 14px;border-radius:12px;background:#f5f6f8;border:1px solid var(--cw-line);color:#3b4250;font-size:13px;text-align:center;white-space:pre-wrap;overflow-wrap:anywhere}
.system .meta{margin:2px 0 0}

.cursor{display:inline-block;width:2px;height:1.05em;margin-left:2px;vertical-align:-3px;background:currentColor;animation:cw-blink 1s steps(1) infinite}
@keyframes cw-blink{50%{opacity:0}}
.typing{align-self:flex-start;display:flex;align-items:center;gap:8px;margin-top:14px;font-size:13px;color:var(--cw-muted)}
.dots{display:inline-flex;gap:4px;padding:11px 12px;border-radius:16px;background:var(--cw-soft)}
.dots span{width:6px;height:6px;border-radius:50%;background:#8b93a1;animation:cw-bounce 1.2s ease-in-out infinite}
.dots span:nth-child(2){animation-delay:.15s}
.dots span:nth-child(3){animation-delay:.3s}
@keyframes cw-bounce{0%,60%,100%{transform:none}30%{transform:translateY(-4px)}}

.footer{padding:10px 12px 12px;border-top:1px solid var(--cw-line)}
.handoff{margin:0 0 10px 4px}
.handoff svg{width:16px;height:16px}
.field{display:flex;align-items:flex-end;gap:8px;padding:4px 4px 4px 14px;border:1.5px solid #cfd4dc;border-radius:22px;background:#fff}
.field:focus-within{border-color:var(--cw-ring);box-shadow:0 0 0 3px color-mix(in srgb,var(--cw-ring) 22%,transparent)}
.field.invalid{border-color:var(--cw-error)}
textarea{flex:1;min-width:0;min-height:36px;max-height:140px;padding:7px 0;border:0;resize:none;background:none;line-height:1.4;field-sizing:content}
textarea:focus-visible{outline:0}
textarea::placeholder{color:#687182}
.send{width:36px;height:36px;padding:0;border:0;border-radius:50%;display:grid;place-items:center;background:var(--cw-accent);color:var(--cw-on-accent)}
.send:disabled{background:#e6e8ec;color:#8b93a1}
.send svg{width:20px;height:20px}
.limit{padding:4px 14px 0;font-size:12px;color:var(--cw-muted)}
.limit:empty{display:none}
.limit.over{color:var(--cw-error);font-weight:500}

@media (max-width:480px){
.panel{inset:0;width:auto;height:auto;border-radius:0;animation-name:cw-fade}
.header{padding-top:max(16px,env(safe-area-inset-top))}
.footer{padding-bottom:max(12px,env(safe-area-inset-bottom))}
.open .launcher{display:none}
.launcher{bottom:16px;right:16px}
.left .launcher{left:16px}
}
@media (prefers-reduced-motion:reduce){
*,*::before,*::after{animation:none!important;transition:none!important}
}
`;

let shared: CSSStyleSheet | null = null;

/** Constructed stylesheets are untouched by a page's CSP; a `<style>` element is the fallback. */
export function applyStyles(root: ShadowRoot): void {
  if (
    'adoptedStyleSheets' in root &&
    'replaceSync' in CSSStyleSheet.prototype
  ) {
    if (!shared) {
      shared = new CSSStyleSheet();
      shared.replaceSync(css);
    }
    root.adoptedStyleSheets = [shared];
    return;
  }
  const style = document.createElement('style');
  style.textContent = css;
  root.append(style);
}

// Parley's widget loader: <script src="https://<parley>/widget.js" data-inbox="…" async></script>
// Adds a launcher button and opens the chat panel in an iframe served by Parley, isolated from the page.
(function () {
  var script = document.currentScript;
  if (!script || window.__parleyWidget) return;
  window.__parleyWidget = true;
  var inbox = script.getAttribute('data-inbox');
  if (!inbox) return;
  var parley = new URL(script.src).origin;
  var isZh = /^zh\b/i.test(navigator.language || '');
  var open = false;
  var frame;
  var button = document.createElement('button');
  button.type = 'button';
  button.setAttribute('aria-label', isZh ? '打开客服聊天' : 'Open support chat');
  button.setAttribute('aria-expanded', 'false');
  // Drawn, not an emoji: a page whose fonts lack the emoji showed an empty box.
  button.innerHTML =
    '<svg width="28" height="28" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true">' +
    '<path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/></svg>';
  button.style.cssText =
    'position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;display:grid;' +
    'place-items:center;background:#2563eb;color:#fff;cursor:pointer;z-index:2147483646;box-shadow:0 4px 14px rgba(0,0,0,.25)';
  // While the panel is closed: how many messages came, and the last one's start, beside the launcher.
  var badge = document.createElement('span');
  badge.style.cssText =
    'position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;' +
    'background:#dc2626;color:#fff;font:600 12px/20px system-ui,sans-serif;display:none';
  button.appendChild(badge);
  var preview = document.createElement('div');
  preview.setAttribute('role', 'status');
  preview.style.cssText =
    'position:fixed;right:20px;bottom:88px;max-width:260px;padding:10px 14px;border-radius:12px;background:#fff;' +
    'color:#111;font:14px/1.4 system-ui,sans-serif;box-shadow:0 4px 14px rgba(0,0,0,.2);z-index:2147483646;display:none;cursor:pointer';
  preview.addEventListener('click', function () {
    if (!open) toggle();
  });
  // Opt-in (`data-title-flash` on the script tag): the page's title is the site's to change.
  var isTitleFlashOn = script.hasAttribute('data-title-flash');
  var pageTitle = document.title;
  function showUnread(count, text) {
    badge.textContent = count > 0 ? String(count) : '';
    badge.style.display = count > 0 ? 'block' : 'none';
    preview.textContent = text || '';
    preview.style.display = count > 0 ? 'block' : 'none';
    button.setAttribute(
      'aria-label',
      (isZh ? '打开客服聊天' : 'Open support chat') + (count > 0 ? ' (' + count + ')' : ''),
    );
  }
  function toggle() {
    open = !open;
    if (!frame) {
      frame = document.createElement('iframe');
      frame.title = isZh ? '客服聊天' : 'Support chat';
      // The page and where the visitor came from, for the operators: without query or fragment, which may
      // hold tokens.
      var referrer = document.referrer ? document.referrer.split(/[?#]/)[0] : '';
      frame.src =
        parley +
        '/widget/panel?inbox=' +
        encodeURIComponent(inbox) +
        '&origin=' +
        encodeURIComponent(location.origin) +
        '&page=' +
        encodeURIComponent(location.origin + location.pathname) +
        '&referrer=' +
        encodeURIComponent(referrer);
      frame.style.cssText =
        'position:fixed;right:20px;bottom:88px;width:min(380px,calc(100vw - 40px));height:min(600px,calc(100vh - 110px));' +
        'border:0;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);z-index:2147483647;background:#fff';
      document.body.appendChild(frame);
    }
    frame.style.display = open ? 'block' : 'none';
    button.setAttribute('aria-expanded', String(open));
    if (frame.contentWindow) frame.contentWindow.postMessage({ type: 'parley:visible', visible: open }, parley);
    if (open) {
      showUnread(0);
      frame.focus();
    }
  }
  button.addEventListener('click', toggle);
  window.addEventListener('message', function (event) {
    if (event.origin !== parley || !event.data) return;
    if (event.data.type === 'parley:close' && open) toggle();
    if (event.data.type === 'parley:color') {
      button.style.background = event.data.color;
      button.style.color = event.data.text || '#fff';
    }
    if (event.data.type === 'parley:unread' && !open) {
      showUnread(event.data.count, event.data.preview);
      // Once per message, for a visitor on another tab: the title says so for a few seconds.
      if (isTitleFlashOn && document.hidden) {
        document.title = '(' + event.data.count + ') ' + pageTitle;
        setTimeout(function () {
          document.title = pageTitle;
        }, 4000);
      }
    }
  });
  function mount() {
    document.body.appendChild(button);
    document.body.appendChild(preview);
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();

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
  button.textContent = '💬';
  button.style.cssText =
    'position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;' +
    'background:#2563eb;color:#fff;font-size:26px;cursor:pointer;z-index:2147483646;box-shadow:0 4px 14px rgba(0,0,0,.25)';
  function toggle() {
    open = !open;
    if (!frame) {
      frame = document.createElement('iframe');
      frame.title = isZh ? '客服聊天' : 'Support chat';
      frame.src =
        parley + '/widget/panel?inbox=' + encodeURIComponent(inbox) + '&origin=' + encodeURIComponent(location.origin);
      frame.style.cssText =
        'position:fixed;right:20px;bottom:88px;width:min(380px,calc(100vw - 40px));height:min(600px,calc(100vh - 110px));' +
        'border:0;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);z-index:2147483647;background:#fff';
      document.body.appendChild(frame);
    }
    frame.style.display = open ? 'block' : 'none';
    button.setAttribute('aria-expanded', String(open));
    if (open) frame.focus();
  }
  button.addEventListener('click', toggle);
  window.addEventListener('message', function (event) {
    if (event.origin !== parley || !event.data) return;
    if (event.data.type === 'parley:close' && open) toggle();
    if (event.data.type === 'parley:color') button.style.background = event.data.color;
  });
  function mount() {
    document.body.appendChild(button);
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();

// Parley's widget panel: runs in an iframe Parley serves (docs/customer-service.md, "The widget").
// Plain browser JavaScript, no framework: it talks to /v1/widget/… with the contact token it keeps.
const texts = {
  en: {
    placeholder: 'Write a message…',
    send: 'Send',
    talkToPerson: 'Talk to a person',
    close: 'Close',
    waitingForPerson: 'Waiting for a person to join…',
    askTopic: 'What can we help you with?',
    personJoined: '{name} joined the conversation',
    outsideHours: 'Nobody is at work right now. A person is back {time}. Leave your email and we will write to you.',
    email: 'Your email',
    saveEmail: 'Save',
    emailSaved: 'Thanks, we will write to you.',
    rate: 'How did we do?',
    comment: 'A comment (optional)',
    submitRating: 'Rate',
    thanks: 'Thank you for your rating.',
    closed: 'This conversation is closed — write to start a new one.',
    noStorage: 'This browser keeps no data for this chat, so it lasts only while this page is open.',
    newMessage: 'New message',
    sources: 'Sources',
    you: 'You',
    assistant: 'Assistant',
    resolved: 'This conversation is resolved. Write to open it again.',
    failed: 'Something went wrong; try again.',
    attachImage: 'Send an image',
    image: 'Image',
    typing: '{name} is typing…',
    seen: 'Seen',
    stopped: 'This reply was stopped before it was finished.',
  },
  zh: {
    placeholder: '输入消息…',
    send: '发送',
    talkToPerson: '转人工',
    close: '关闭',
    waitingForPerson: '正在等待客服接入…',
    askTopic: '请问有什么可以帮您？',
    personJoined: '{name} 已加入对话',
    outsideHours: '现在是非工作时间。客服将于 {time} 回来。留下您的邮箱，我们会回复您。',
    email: '您的邮箱',
    saveEmail: '保存',
    emailSaved: '谢谢，我们会给您回信。',
    rate: '您对本次服务满意吗？',
    comment: '评论（可选）',
    submitRating: '评分',
    thanks: '感谢您的评价。',
    closed: '此对话已关闭——发送消息即可开始新的对话。',
    noStorage: '此浏览器不为本聊天保存数据，关闭页面后对话不会保留。',
    newMessage: '新消息',
    sources: '来源',
    you: '您',
    assistant: '智能助手',
    resolved: '此对话已解决。发送消息可重新打开。',
    failed: '出错了，请重试。',
    attachImage: '发送图片',
    image: '图片',
    typing: '{name} 正在输入…',
    seen: '已读',
    stopped: '此回复在完成前已停止。',
  },
};
const language = /^zh\b/i.test(navigator.language || '') ? 'zh' : 'en';
// The inbox may say any of these its own way (widget.texts), merged in once its settings are read.
const t = { ...texts[language] };
const params = new URLSearchParams(location.search);
const inboxId = params.get('inbox') || '';
const embedder = params.get('origin') || '';
const tokenKey = `parley:${inboxId}:token`;
const conversationKey = `parley:${inboxId}:conversation`;
const $ = (id) => document.getElementById(id);
const log = $('log');
/**
 * The contact token and conversation, kept across visits where the browser lets this frame store them.
 * A browser that refuses third-party storage throws on any use of localStorage: the chat then keeps them
 * in memory, lasts while the page is open, and says so.
 */
const store = (() => {
  try {
    localStorage.setItem('parley:probe', '1');
    localStorage.removeItem('parley:probe');
    return { get: (key) => localStorage.getItem(key), set: (key, value) => localStorage.setItem(key, value) };
  } catch {
    const kept = new Map();
    return { get: (key) => kept.get(key) ?? null, set: (key, value) => kept.set(key, value), isMemoryOnly: true };
  }
})();
const state = {
  token: store.get(tokenKey),
  conversation: null,
  lastEventId: '',
  /** The conversation whose events are followed; a follow loop of another one ends. */
  followedId: '',
  bubbles: new Map(),
  messages: new Map(),
  lastReadSent: '',
  typingTimer: 0,
  lastTypingSent: 0,
};
const typingIntervalMs = 3000;
const typingShownMs = 5000;

async function api(method, path, body) {
  const headers = { 'x-parley-embedder': embedder };
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  const isForm = body instanceof FormData;
  if (body && !isForm) headers['content-type'] = 'application/json';
  const payload = body ? (isForm ? body : JSON.stringify(body)) : undefined;
  const response = await fetch(`/v1/widget${path}`, { method, headers, body: payload });
  if (response.status === 204) return null;
  const data = await response.json();
  if (!response.ok) throw new Error(data.detail || t.failed);
  return data;
}

function bubble(message) {
  let node = state.bubbles.get(message.id);
  if (!node) {
    node = document.createElement('div');
    node.className = `message ${message.author}`;
    state.bubbles.set(message.id, node);
    log.appendChild(node);
  }
  node.textContent = '';
  node.streamed = undefined;
  if (message.author === 'ai' || message.author === 'operator') {
    const author = document.createElement('span');
    author.className = 'author';
    author.textContent =
      message.author === 'ai' ? t.assistant : message.authorName || state.conversation?.operatorName || '';
    node.appendChild(author);
  }
  if (message.content) node.appendChild(document.createTextNode(message.content));
  for (const image of message.images || []) node.appendChild(imageOf(image.fileId));
  if (message.sources?.length) {
    const sources = document.createElement('span');
    sources.className = 'sources';
    sources.textContent = `${t.sources}: ${message.sources.join(' · ')}`;
    node.appendChild(sources);
  }
  if (message.createdAt) {
    const time = document.createElement('time');
    time.dateTime = message.createdAt;
    time.textContent = new Date(message.createdAt).toLocaleTimeString(navigator.language, {
      hour: '2-digit',
      minute: '2-digit',
    });
    node.appendChild(time);
  }
  // A reply cut short (a person took over while it was written) says so: it is not the whole answer.
  node.classList.toggle('stopped', message.status === 'stopped');
  if (message.status === 'stopped') {
    const note = document.createElement('span');
    note.className = 'stopped-note';
    note.textContent = t.stopped;
    node.appendChild(note);
  }
  node.setAttribute('aria-busy', String(message.status === 'streaming'));
  if (!message.isLocal) state.messages.set(message.id, message);
  showSeen();
  markRead();
  log.scrollTop = log.scrollHeight;
  return node;
}

/** An image of the conversation: fetched with the token (an <img src> cannot send it), shown from memory. */
function imageOf(fileId) {
  const img = document.createElement('img');
  img.alt = t.image;
  const headers = { authorization: `Bearer ${state.token}`, 'x-parley-embedder': embedder };
  fetch(`/v1/widget/conversations/${state.conversation.id}/images/${fileId}`, { headers })
    .then((response) => (response.ok ? response.blob() : null))
    .then((blob) => {
      if (blob) img.src = URL.createObjectURL(blob);
    });
  return img;
}

/** "Seen" under the visitor's last message once an operator read it (its readAt, or a live `read`). */
function showSeen() {
  const mine = [...state.messages.values()].filter((message) => message.author === 'contact');
  const last = mine[mine.length - 1];
  document.querySelector('.seen')?.remove();
  if (!last || !last.readAt) return;
  const line = document.createElement('p');
  line.className = 'seen';
  line.textContent = t.seen;
  state.bubbles.get(last.id)?.after(line);
}

/** Tells operators the visitor read their replies (once per newest reply), while the panel is seen. */
function markRead() {
  if (!state.conversation || document.visibilityState !== 'visible') return;
  const theirs = [...state.messages.values()].filter(
    (message) => (message.author === 'operator' || message.author === 'ai') && message.status === 'complete',
  );
  const last = theirs[theirs.length - 1];
  if (!last || last.id === state.lastReadSent) return;
  state.lastReadSent = last.id;
  api('POST', `/conversations/${state.conversation.id}/read`, { upToMessageId: last.id }).catch(() => {
    state.lastReadSent = '';
  });
}

function formatTime(iso) {
  return new Date(iso).toLocaleString(navigator.language, { weekday: 'short', hour: '2-digit', minute: '2-digit' });
}

function showStatus(conversation) {
  state.conversation = conversation;
  const line = $('status');
  if (conversation.status === 'pending') line.textContent = t.waitingForPerson;
  else if (conversation.status === 'open' || conversation.status === 'snoozed')
    line.textContent = t.personJoined.replace('{name}', conversation.operatorName || '');
  // Rated: over for good, and the visitor's next message starts a new conversation (startOver).
  else if (conversation.status === 'resolved')
    line.textContent = conversation.isRated ? `${t.thanks} ${t.closed}` : t.resolved;
  else line.textContent = '';
  $('handoff').hidden = conversation.status !== 'bot';
  $('rating').hidden = !conversation.canRate;
}

function showBackAt(iso) {
  if (!iso) return;
  $('status').textContent = t.outsideHours.replace('{time}', formatTime(iso));
  $('email-form').hidden = false;
}

/** The conversation's events over fetch (EventSource cannot send the token), resumed after the last id. */
async function follow(id) {
  state.followedId = id;
  while (state.followedId === id) {
    try {
      const headers = { authorization: `Bearer ${state.token}`, 'x-parley-embedder': embedder };
      if (state.lastEventId) headers['last-event-id'] = state.lastEventId;
      const response = await fetch(`/v1/widget/conversations/${id}/events`, { headers });
      if (!response.ok || !response.body) throw new Error(String(response.status));
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        // The visitor started a new conversation: this one's stream is no longer shown.
        if (state.followedId !== id) return void reader.cancel().catch(() => undefined);
        buffered += value;
        const chunks = buffered.split('\n\n');
        buffered = chunks.pop() || '';
        for (const chunk of chunks) handleEvent(chunk);
      }
    } catch {
      // Offline or the server restarted: try again in a moment, from the last event seen.
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function handleEvent(chunk) {
  let data = '';
  for (const line of chunk.split('\n')) {
    if (line.startsWith('id: ') && line.length > 4) state.lastEventId = line.slice(4);
    if (line.startsWith('data: ')) data += line.slice(6);
  }
  if (!data) return;
  const event = JSON.parse(data);
  if (event.type === 'message') {
    bubble(event.message);
    if (event.message.author !== 'contact') tellUnread(event.message.content);
    if (event.message.author === 'operator') $('typing').textContent = '';
  }
  if (event.type === 'typing') {
    $('typing').textContent = t.typing.replace('{name}', event.name || state.conversation?.operatorName || '');
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(() => ($('typing').textContent = ''), typingShownMs);
  }
  if (event.type === 'read' && event.reader === 'operator') {
    for (const message of state.messages.values()) {
      if (message.author === 'contact' && message.id <= event.readThroughMessageId) message.readAt = event.readAt;
    }
    showSeen();
  }
  if (event.type === 'status') showStatus(event.conversation);
  if (event.type === 'reply-started') bubble({ id: event.messageId, author: 'ai', content: '', status: 'streaming' });
  if (event.type === 'delta') {
    const node = state.bubbles.get(event.messageId);
    if (node) {
      // The reply as written so far, its [n] markers left out (the finished message comes without them too).
      let text = node.streamed;
      if (!text) node.appendChild((text = node.streamed = document.createTextNode('')));
      text.raw = (text.raw || '') + event.delta;
      text.data = text.raw.replace(/ ?\[\d+(?:\s*,\s*\d+)*\]/g, '');
    }
    log.scrollTop = log.scrollHeight;
  }
}

/** A rated conversation is over: the next message goes to a new one, shown on a clean page. */
function startOver() {
  state.conversation = null;
  state.followedId = '';
  state.lastEventId = '';
  state.lastReadSent = '';
  // The inbox's greeting stays: it opens the new conversation as it opened the first.
  for (const [id, node] of state.bubbles) {
    if (id === 'greeting') continue;
    node.remove();
    state.bubbles.delete(id);
  }
  state.messages.clear();
  $('rating').hidden = true;
  $('status').textContent = '';
}

/** The visitor's conversation, made on first use: two quick actions (send, then "Talk to a person") make one. */
let creating;
async function ensureConversation() {
  await whenStarted();
  if (state.conversation?.isRated) startOver();
  if (state.conversation) return state.conversation;
  creating ??= api('POST', '/conversations')
    .then((created) => {
      store.set(conversationKey, created.id);
      showStatus(created);
      void follow(created.id);
      return created;
    })
    .finally(() => (creating = undefined));
  return creating;
}

function label() {
  document.documentElement.lang = language;
  $('message').placeholder = t.placeholder;
  $('message-label').textContent = t.placeholder;
  $('send').textContent = t.send;
  $('handoff').textContent = t.talkToPerson;
  $('close').textContent = t.close;
  $('rating-legend').textContent = t.rate;
  $('comment').placeholder = t.comment;
  $('rate').textContent = t.submitRating;
  $('email').placeholder = t.email;
  $('save-email').textContent = t.saveEmail;
  $('attach').setAttribute('aria-label', t.attachImage);
  $('attach').title = t.attachImage;
}

/** White or near-black, whichever reads better on the inbox's colour (WCAG contrast, for a light brand colour too). */
function textOn(hex) {
  const match = /^#?([0-9a-f]{6})$/i.exec(hex || '');
  if (!match) return '#fff';
  const [r, g, b] = [0, 2, 4].map((at) => {
    const channel = parseInt(match[1].slice(at, at + 2), 16) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  // Contrast with white is 1.05 / (L + 0.05); with #111 it is (L + 0.05) / 0.056: the larger wins.
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.056 ? '#fff' : '#111';
}

/** What operators see of the visitor (the contact panel): the page, where they came from, language, time zone. */
function visitorHints() {
  const hints = { language: navigator.language || undefined };
  try {
    hints.timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    // An engine without time zones: the operator sees none.
  }
  for (const name of ['page', 'referrer']) {
    const value = params.get(name);
    if (value && /^https?:\/\//.test(value) && value.length <= 2000) hints[name] = value;
  }
  return hints;
}

async function start() {
  label();
  const inbox = await api('GET', `/inboxes/${inboxId}`);
  Object.assign(t, inbox.texts?.[language] || {});
  label();
  document.documentElement.style.setProperty('--accent', inbox.color);
  document.documentElement.style.setProperty('--on-accent', textOn(inbox.color));
  parent.postMessage({ type: 'parley:color', color: inbox.color, text: textOn(inbox.color) }, '*');
  $('title').textContent = inbox.title;
  if (inbox.greeting)
    bubble({ id: 'greeting', author: 'ai', content: inbox.greeting, status: 'complete', isLocal: true });
  // Only people answer here, and none is at work: say when one is back, and offer to leave an email.
  if (!inbox.hasAgent && !inbox.isOpenNow) showBackAt(inbox.nextOpeningAt);
  const session = await api('POST', `/inboxes/${inboxId}/sessions`, {
    ...(state.token && { contactToken: state.token }),
    visitor: visitorHints(),
  });
  state.token = session.contactToken;
  store.set(tokenKey, state.token);
  if (store.isMemoryOnly) $('status').textContent = t.noStorage;
  const { items } = await api('GET', '/conversations');
  const kept = items.find((item) => item.id === store.get(conversationKey)) || items[0];
  if (kept) {
    showStatus(kept);
    void follow(kept.id);
  } else if (!inbox.hasAgent) {
    // Only people answer here: ask what it is about first, so the visitor's first message is the line the
    // operators' queue shows (docs/customer-service.md).
    bubble({ id: 'ask-topic', author: 'system', content: t.askTopic, status: 'complete', isLocal: true });
  }
}

/**
 * The start, once: what the visitor does waits for it. A message sent before the session is there went
 * without a token (a 401, and the message never sent) on a slow network or a busy server, and one sent
 * before the conversations are read would follow a conversation the start then follows again. A start
 * that failed is tried again by the visitor's next message.
 */
let started;
function whenStarted() {
  if (!started) {
    started = start().catch((error) => {
      started = undefined;
      throw error;
    });
  }
  return started;
}

$('composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('message');
  const content = input.value.trim();
  if (!content) return;
  input.value = '';
  try {
    const conversation = await ensureConversation();
    const sent = await api('POST', `/conversations/${conversation.id}/messages`, {
      content,
      clientMessageId: crypto.randomUUID(),
    });
    bubble(sent.message);
    showStatus(sent.conversation);
    showBackAt(sent.personBackAt);
  } catch (error) {
    $('status').textContent = error.message;
    input.value = content;
  }
});
$('message').addEventListener('input', () => {
  const now = Date.now();
  if (!state.conversation || now - state.lastTypingSent < typingIntervalMs) return;
  state.lastTypingSent = now;
  api('POST', `/conversations/${state.conversation.id}/typing`).catch(() => undefined);
});
$('attach').addEventListener('click', () => $('image-input').click());
$('image-input').addEventListener('change', () => {
  const file = $('image-input').files?.[0];
  $('image-input').value = '';
  if (file) void sendImage(file);
});
// Pasting an image sends it too.
$('message').addEventListener('paste', (event) => {
  const file = [...(event.clipboardData?.files || [])].find((item) => item.type.startsWith('image/'));
  if (!file) return;
  event.preventDefault();
  void sendImage(file);
});
async function sendImage(file) {
  try {
    const conversation = await ensureConversation();
    const form = new FormData();
    form.append('file', file, file.name || 'image');
    const sent = await api('POST', `/conversations/${conversation.id}/images`, form);
    bubble(sent.message);
    showStatus(sent.conversation);
    showBackAt(sent.personBackAt);
  } catch (error) {
    $('status').textContent = error.message;
  }
}
document.addEventListener('visibilitychange', markRead);
$('message').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    $('composer').requestSubmit();
  }
});
$('handoff').addEventListener('click', async () => {
  try {
    const conversation = await ensureConversation();
    const result = await api('POST', `/conversations/${conversation.id}/handoff`);
    showStatus(result.conversation);
    showBackAt(result.personBackAt);
  } catch (error) {
    $('status').textContent = error.message;
  }
});
$('email-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  await api('PATCH', '/contact', { email: $('email').value });
  $('email-form').hidden = true;
  $('status').textContent = t.emailSaved;
});
$('rating').addEventListener('submit', async (event) => {
  event.preventDefault();
  const chosen = document.querySelector('input[name="rating"]:checked');
  if (!chosen || !state.conversation) return;
  const comment = $('comment').value.trim();
  await api('POST', `/conversations/${state.conversation.id}/csat`, {
    rating: Number(chosen.value),
    ...(comment && { comment }),
  });
  state.conversation = { ...state.conversation, canRate: false, isRated: true };
  showStatus(state.conversation);
});
$('close').addEventListener('click', () => parent.postMessage({ type: 'parley:close' }, '*'));

/**
 * While the loader keeps the panel closed (it says so with `parley:visible`), a message from the agent or
 * an operator is counted and previewed on the launcher; opening the panel clears it.
 */
let isVisible = true;
let unread = 0;
function tellUnread(text) {
  if (isVisible) return;
  unread += 1;
  parent.postMessage({ type: 'parley:unread', count: unread, preview: (text || t.newMessage).slice(0, 80) }, '*');
}
window.addEventListener('message', (event) => {
  if (event.source !== parent || event.data?.type !== 'parley:visible') return;
  isVisible = Boolean(event.data.visible);
  if (isVisible) unread = 0;
});
whenStarted().catch((error) => {
  $('status').textContent = error.message;
});

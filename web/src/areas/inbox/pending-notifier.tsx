import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useServices } from '../../app-context';
import type { UserEvent } from '../../realtime/realtime-frames';
import { supportKeys } from './support-api';

const soundSettingKey = 'parley.inbox.sound';
/** How long a toast stays before it goes by itself. */
const toastShownMs = 12_000;

export interface PendingNotice {
  supportId: string;
  contactName: string;
  summary: string;
}

/**
 * Reads a `support-pending` frame (`supportConversationId`, `contact: {id, name}`, `summary`); anything
 * else, or a frame without the id, is not one.
 */
export function readPendingEvent(event: UserEvent): PendingNotice | null {
  if (event.type !== 'support-pending') return null;
  const id = event.supportConversationId;
  if (typeof id !== 'string') return null;
  const contact = event.contact as { name?: unknown } | undefined;
  const name = typeof contact?.name === 'string' ? contact.name : event.contactName;
  return {
    supportId: id,
    contactName: typeof name === 'string' && name ? name : 'A contact',
    summary: typeof event.summary === 'string' ? event.summary : '',
  };
}

/** A short two-tone chime, made on the spot (no sound file to serve). */
function chime() {
  const AudioContextType = window.AudioContext as typeof AudioContext | undefined;
  if (!AudioContextType) return;
  const audio = new AudioContextType();
  const gain = audio.createGain();
  gain.gain.value = 0.08;
  gain.connect(audio.destination);
  [660, 880].forEach((frequency, index) => {
    const tone = audio.createOscillator();
    tone.frequency.value = frequency;
    tone.connect(gain);
    tone.start(audio.currentTime + index * 0.15);
    tone.stop(audio.currentTime + index * 0.15 + 0.12);
  });
  setTimeout(() => void audio.close(), 600);
}

/**
 * Tells the operator when a conversation starts waiting for a person: an in-page toast always, a
 * browser notification when the browser allows them, and a chime if switched on. The queue is read
 * again at the same time.
 */
export function PendingNotifier() {
  const { realtime } = useServices();
  const queryClient = useQueryClient();
  const [notices, setNotices] = useState<PendingNotice[]>([]);
  const [isSoundOn, setIsSoundOn] = useState(() => localStorage.getItem(soundSettingKey) === 'on');
  const [permission, setPermission] = useState(() =>
    typeof Notification === 'undefined' ? 'unsupported' : Notification.permission,
  );

  useEffect(() => {
    if (!realtime) return undefined;
    return realtime.onUserEvent((event) => {
      // A better summary written after the notice, or a reply-time target breached: the queue shows it.
      if (event.type === 'support-summary' || event.type === 'support-target-breached') {
        void queryClient.invalidateQueries({ queryKey: supportKeys.all });
      }
      const notice = readPendingEvent(event);
      if (!notice) return;
      void queryClient.invalidateQueries({ queryKey: supportKeys.all });
      setNotices((current) => [...current.filter((each) => each.supportId !== notice.supportId), notice]);
      setTimeout(
        () => setNotices((current) => current.filter((each) => each.supportId !== notice.supportId)),
        toastShownMs,
      );
      if (localStorage.getItem(soundSettingKey) === 'on') chime();
      if (typeof Notification !== 'undefined' && Notification.permission === 'granted' && document.hidden) {
        new Notification(`${notice.contactName} is waiting`, { body: notice.summary, tag: notice.supportId });
      }
    });
  }, [realtime, queryClient]);

  function toggleSound(isOn: boolean) {
    localStorage.setItem(soundSettingKey, isOn ? 'on' : 'off');
    setIsSoundOn(isOn);
  }

  return (
    <div className="pending-notifier">
      <div className="row notify-settings">
        <label className="inline">
          <input type="checkbox" checked={isSoundOn} onChange={(event) => toggleSound(event.target.checked)} />
          Sound
        </label>
        {permission === 'default' && (
          <button
            type="button"
            className="link"
            onClick={() => void Notification.requestPermission().then((answer) => setPermission(answer))}
          >
            Allow notifications
          </button>
        )}
      </div>
      <div className="toast-region" role="status" aria-live="polite">
        {notices.map((notice) => (
          <div key={notice.supportId} className="toast card">
            <p>
              <strong>{notice.contactName}</strong> is waiting for a person.
            </p>
            {notice.summary && <p className="muted">{notice.summary}</p>}
            <div className="row">
              <Link to={`/inbox/${notice.supportId}`}>Open</Link>
              <span className="spacer" />
              <button
                type="button"
                className="link"
                onClick={() => setNotices((current) => current.filter((each) => each !== notice))}
              >
                Dismiss
              </button>
            </div>
          </div>
        ))}
      </div>
    </div>
  );
}

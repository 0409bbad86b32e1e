import { Link } from 'react-router';
import { apiKeysPath } from '../api-keys/api-keys-api';
import { CopyButton } from './copy-button';
import { apiChannelUrl, type Inbox } from './inboxes-api';

/**
 * What an `api` inbox's owner needs to connect their system: where to post a contact's message, with
 * which key, and where the replies go. The whole loop is in docs/integrations.md, "API channel".
 */
export function ApiChannelCard({ inbox }: { inbox: Inbox }) {
  const url = apiChannelUrl(window.location.origin, inbox.id);
  const example = `curl ${url} \\
  -H "authorization: Bearer $API_KEY" -H 'content-type: application/json' \\
  -d '{"contact":{"externalId":"+4915112345678","name":"Ann Lee"},"content":"Where is my parcel?","messageId":"msg-1"}'`;
  return (
    <section className="card stack" aria-labelledby="api-channel-heading">
      <h2 id="api-channel-heading">API channel</h2>
      <p className="muted">
        Your system posts each contact’s message here, with an API key of an operator (or above). Replies from the agent
        and from people come to your system as <code>message.created</code> webhooks.
      </p>
      <textarea aria-label="Message endpoint" className="secret-value" rows={1} readOnly value={url} />
      <CopyButton text={url} label="Copy address" />
      <textarea aria-label="Example request" className="secret-value" rows={4} readOnly value={example} />
      <CopyButton text={example} label="Copy example" />
      <p className="muted">
        Make the key in <Link to={apiKeysPath}>API keys</Link>; subscribe your receiver in{' '}
        <Link to="/admin/webhooks">Webhooks</Link>.
      </p>
    </section>
  );
}

import { SecretReveal } from '../../../ui/secret-reveal';

/** A webhook's signing secret, the one time the server sends it (creation, rotation). */
export function WebhookSecretReveal(props: { title: string; secret: string; onClose: () => void }) {
  return (
    <SecretReveal
      title={props.title}
      label="Signing secret"
      noun="secret"
      secret={props.secret}
      onClose={props.onClose}
    >
      Copy this signing secret into your receiver now: it won't be shown again. Verify each delivery with it (
      <code>new Webhook(secret).verify(body, headers)</code> from the <code>standardwebhooks</code> package).
    </SecretReveal>
  );
}

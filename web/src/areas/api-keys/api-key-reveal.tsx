import { SecretReveal } from '../../ui/secret-reveal';

/** A new API key, the one time the server sends it. */
export function ApiKeyReveal(props: { name: string; apiKey: string; onClose: () => void }) {
  return (
    <SecretReveal
      title={`API key ${props.name} created`}
      label="New API key"
      noun="key"
      secret={props.apiKey}
      rows={3}
      onClose={props.onClose}
    >
      Copy this key now and keep it somewhere safe: it won't be shown again.
    </SecretReveal>
  );
}

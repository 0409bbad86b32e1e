import { SecretReveal as Reveal } from '../../ui/secret-reveal';

/** The inbox's signing secret, the one time the server sends it (on create and on rotate). */
export function SecretReveal(props: { inboxName: string; secret: string; onClose: () => void }) {
  return (
    <Reveal
      title={`Signing secret of ${props.inboxName}`}
      label="Signing secret"
      noun="secret"
      secret={props.secret}
      onClose={props.onClose}
    >
      Copy it now and keep it on your server: it signs your users’ ids for identity verification. It won't be shown
      again.
    </Reveal>
  );
}

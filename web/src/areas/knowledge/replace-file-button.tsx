import { useRef } from 'react';
import { useUploadFile } from '../../ui/upload-file';
import { documentApiPath, type KnowledgeDocument } from './knowledge-api';

/**
 * Gives a document a changed file: the same document, indexed anew (its old passages answer until
 * then). A button that opens the file picker, so the keyboard reaches it like the row's other actions.
 */
export function ReplaceFileButton(props: {
  sourceId: string;
  document: KnowledgeDocument;
  disabled: boolean;
  onSent: () => Promise<unknown>;
  onFailed: (error: unknown) => void;
}) {
  const upload = useUploadFile();
  const picker = useRef<HTMLInputElement>(null);
  const { document } = props;

  async function send(file: File) {
    try {
      await upload<KnowledgeDocument>(`${documentApiPath(props.sourceId, document.id)}/file`, file);
      await props.onSent();
    } catch (error) {
      props.onFailed(error);
    }
  }

  return (
    <>
      <button type="button" onClick={() => picker.current?.click()} disabled={props.disabled}>
        Replace file <span className="visually-hidden">{document.title}</span>
      </button>
      <input
        ref={picker}
        type="file"
        hidden
        aria-label={`New file for ${document.title}`}
        onChange={(event) => {
          const file = event.target.files?.[0];
          event.target.value = '';
          if (file) void send(file);
        }}
      />
    </>
  );
}

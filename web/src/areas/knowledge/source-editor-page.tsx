import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import {
  knowledgeKeys,
  knowledgePath,
  sourceApiPath,
  sourcesApiPath,
  useKnowledgeSource,
  type KnowledgeSource,
  type KnowledgeSourceInput,
} from './knowledge-api';
import { SourceForm } from './source-form';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';

/** Create or edit a source; to the source's page when saved. */
function SourceEditor(props: { source?: KnowledgeSource }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { source } = props;
  const backTo = source ? `${knowledgePath}/${source.id}` : knowledgePath;

  const save = useExclusiveMutation({
    mutationFn: (input: KnowledgeSourceInput) =>
      source
        ? api.patch<KnowledgeSource>(sourceApiPath(source.id), input)
        : api.post<KnowledgeSource>(sourcesApiPath, input),
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: knowledgeKeys.all });
      await navigate(`${knowledgePath}/${saved.id}`);
    },
  });

  return (
    <section className="page" aria-labelledby="source-editor-heading">
      <h1 id="source-editor-heading">{source ? `Edit source ${source.name}` : 'New knowledge source'}</h1>
      <SourceForm
        source={source}
        isBusy={save.isPending}
        error={save.error}
        onSubmit={(input) => save.mutate(input)}
        onCancel={() => void navigate(backTo)}
      />
    </section>
  );
}

export function NewSourcePage() {
  return <SourceEditor />;
}

export function EditSourcePage() {
  const { sourceId = '' } = useParams();
  const source = useKnowledgeSource(sourceId);
  if (source.isPending) return <p className="page muted state-text">Loading the source…</p>;
  if (source.isError) {
    return (
      <section className="page">
        <h1>Edit source</h1>
        <ErrorNotice error={source.error} onRetry={() => void source.refetch()} />
      </section>
    );
  }
  return <SourceEditor key={`${source.data.id}-${source.data.updatedAt ?? ''}`} source={source.data} />;
}

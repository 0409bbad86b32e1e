import { useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useServices } from '../../../app-context';
import { Dialog } from '../../../ui/dialog';
import { ErrorNotice } from '../../../ui/error-notice';
import { FieldGroup } from '../../../ui/field';
import { useExclusiveMutation } from '../../../ui/use-exclusive-mutation';
import {
  evaluationKeys,
  setApiPath,
  setPagePath,
  setsApiPath,
  useSetChoices,
  type EvaluationCase,
  type EvaluationSet,
} from '../evaluations-api';

/** A chat's conversation, or the desk's: the server reads its last question and what the reply did. */
export type ConversationSource = { conversationId: string } | { supportConversationId: string };

/** The choice standing for "a new set, named below" among the sets' radio buttons. */
const newSetChoice = 'new';

/**
 * "Save as test case": one click in a chat or on the desk, a set picked (or a new one named), and the
 * conversation's question, with what its reply cited and whether it handed over, becomes a case.
 */
export function SaveAsCaseButton({ source }: { source: ConversationSource }) {
  const [isOpen, setIsOpen] = useState(false);
  const [saved, setSaved] = useState<EvaluationSet | null>(null);
  return (
    <>
      <button
        type="button"
        onClick={() => {
          setSaved(null);
          setIsOpen(true);
        }}
      >
        Save as test case
      </button>
      {saved ? (
        <span role="status" className="muted">
          Saved to <Link to={setPagePath(saved.id)}>{saved.name}</Link>.
        </span>
      ) : null}
      {isOpen ? (
        <SaveAsCaseDialog
          source={source}
          onClose={() => setIsOpen(false)}
          onSaved={(set) => {
            setIsOpen(false);
            setSaved(set);
          }}
        />
      ) : null}
    </>
  );
}

function SaveAsCaseDialog(props: {
  source: ConversationSource;
  onClose: () => void;
  onSaved: (set: EvaluationSet) => void;
}) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const newNameId = useId();
  const sets = useSetChoices();
  const [picked, setPicked] = useState<string | null>(null);
  const [newName, setNewName] = useState('');
  const [created, setCreated] = useState<EvaluationSet | null>(null);
  // The newest set is the likely one; with none yet, a new set is the only choice.
  const chosen = picked ?? (sets.data ? (sets.data[0]?.id ?? newSetChoice) : null);

  const save = useExclusiveMutation({
    mutationFn: async () => {
      const set =
        chosen === newSetChoice
          ? await api.post<EvaluationSet>(setsApiPath, { name: newName.trim() })
          : [...(sets.data ?? []), ...(created ? [created] : [])].find((each) => each.id === chosen);
      if (!set) throw new Error('Pick a set to save the case to');
      // A set made here stays chosen if the save fails, so a second try does not make another.
      if (chosen === newSetChoice) {
        setCreated(set);
        setPicked(set.id);
      }
      await api.post<EvaluationCase>(`${setApiPath(set.id)}/cases/from-conversation`, props.source);
      return set;
    },
    onSuccess: async (set) => {
      await queryClient.invalidateQueries({ queryKey: evaluationKeys.setLists });
      await queryClient.invalidateQueries({ queryKey: evaluationKeys.set(set.id) });
      props.onSaved(set);
    },
    // A set made before a refused save is listed now.
    onError: () => queryClient.invalidateQueries({ queryKey: evaluationKeys.setLists }),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    save.mutate();
  }

  return (
    <Dialog title="Save as test case" onClose={props.onClose}>
      <form className="stack" onSubmit={submit}>
        <p className="muted">
          The conversation&apos;s last question becomes a case, expecting the sources its reply cited and the same
          handoff decision.
        </p>
        {sets.isPending ? <p className="muted state-text">Loading the sets…</p> : null}
        {sets.isError ? <ErrorNotice error={sets.error} onRetry={() => void sets.refetch()} /> : null}
        <FieldGroup legend="Save to the set" field="setId" error={save.error}>
          {(sets.data ?? []).map((set) => (
            <label key={set.id} className="inline">
              <input
                type="radio"
                name="evaluation-set"
                value={set.id}
                checked={chosen === set.id}
                onChange={() => setPicked(set.id)}
              />
              {set.name} <span className="muted">({set.caseCount} cases)</span>
            </label>
          ))}
          <label className="inline">
            <input
              type="radio"
              name="evaluation-set"
              value={newSetChoice}
              checked={chosen === newSetChoice}
              onChange={() => setPicked(newSetChoice)}
            />
            A new set
          </label>
          {chosen === newSetChoice ? (
            <div className="field">
              <label htmlFor={newNameId}>Name of the new set</label>
              <input
                id={newNameId}
                value={newName}
                maxLength={200}
                required
                onChange={(event) => setNewName(event.target.value)}
              />
            </div>
          ) : null}
        </FieldGroup>
        {save.error ? <ErrorNotice error={save.error} /> : null}
        <div className="row dialog-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="primary"
            disabled={save.isPending || chosen === null || (chosen === newSetChoice && !newName.trim())}
          >
            {save.isPending ? 'Saving…' : 'Save case'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

import { useState, type FormEvent } from 'react';
import { useServices } from '../../../app-context';
import { ErrorNotice } from '../../../ui/error-notice';
import { Field, FieldGroup, TextField } from '../../../ui/field';
import { StatusNote } from '../../../ui/status-note';
import { useExclusiveMutation } from '../../../ui/use-exclusive-mutation';
import { setApiPath, type CaseInput, type EvaluationCase } from '../evaluations-api';

/** One entry a line, blanks dropped: phrases may hold commas, so a line is the separator. */
const linesOf = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

type HandoffChoice = 'unset' | 'yes' | 'no';
const handoffChoices: { value: HandoffChoice; label: string }[] = [
  { value: 'unset', label: 'Not checked' },
  { value: 'yes', label: 'Yes, it should hand over to a person' },
  { value: 'no', label: 'No, it should answer itself' },
];

const emptyCase = {
  question: '',
  expectedSources: '',
  mustInclude: '',
  mustNotInclude: '',
  handoff: 'unset' as HandoffChoice,
  maxLength: '',
  note: '',
};

/** A case written by hand: the question and the expectations to check; empty ones are not checked. */
export function CaseForm(props: { setId: string; onAdded: () => Promise<void> }) {
  const { api } = useServices();
  const [draft, setDraft] = useState(emptyCase);
  const [savedNote, setSavedNote] = useState<string | null>(null);
  const change = (field: keyof typeof emptyCase) => (value: string) => {
    setSavedNote(null);
    setDraft((current) => ({ ...current, [field]: value }));
  };

  const add = useExclusiveMutation({
    mutationFn: () => {
      const input: CaseInput = {
        question: draft.question.trim(),
        expectedSources: linesOf(draft.expectedSources),
        mustInclude: linesOf(draft.mustInclude),
        mustNotInclude: linesOf(draft.mustNotInclude),
        expectHandoff: draft.handoff === 'unset' ? null : draft.handoff === 'yes',
        maxLength: draft.maxLength.trim() ? Number(draft.maxLength) : null,
        note: draft.note.trim(),
      };
      return api.post<EvaluationCase>(`${setApiPath(props.setId)}/cases`, input);
    },
    onSuccess: async () => {
      setDraft(emptyCase);
      setSavedNote('Case added.');
      await props.onAdded();
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    add.mutate();
  }

  const listField = (label: string, field: 'expectedSources' | 'mustInclude' | 'mustNotInclude', hint: string) => (
    <Field label={label} field={field} error={add.error} hint={hint}>
      {(control) => (
        <textarea {...control} rows={2} value={draft[field]} onChange={(event) => change(field)(event.target.value)} />
      )}
    </Field>
  );

  return (
    <form className="card stack form" onSubmit={submit} aria-labelledby="new-case-heading">
      <h2 id="new-case-heading">New case</h2>
      <Field label="Question" field="question" error={add.error} hint="What the person asks.">
        {(control) => (
          <textarea
            {...control}
            rows={3}
            required
            value={draft.question}
            onChange={(event) => change('question')(event.target.value)}
          />
        )}
      </Field>
      <div className="field-row">
        {listField('Expected sources', 'expectedSources', 'Documents a good answer cites, by title or id; one a line.')}
        {listField('Must include', 'mustInclude', 'Words or phrases the answer says; one a line.')}
        {listField('Must not include', 'mustNotInclude', 'Words or phrases it never says; one a line.')}
      </div>
      <FieldGroup legend="Expect a handoff" field="expectHandoff" error={add.error}>
        {handoffChoices.map((choice) => (
          <label key={choice.value} className="inline">
            <input
              type="radio"
              name="expect-handoff"
              value={choice.value}
              checked={draft.handoff === choice.value}
              onChange={() => change('handoff')(choice.value)}
            />
            {choice.label}
          </label>
        ))}
      </FieldGroup>
      <div className="field-row">
        <TextField
          label="Maximum length"
          field="maxLength"
          error={add.error}
          hint="In characters; empty: any length."
          type="number"
          inputMode="numeric"
          min={1}
          value={draft.maxLength}
          onValueChange={change('maxLength')}
        />
        <TextField
          label="Note"
          field="note"
          error={add.error}
          hint="Why the case is here, for whoever reads a failure."
          maxLength={500}
          value={draft.note}
          onValueChange={change('note')}
        />
      </div>
      {add.error ? <ErrorNotice error={add.error} /> : null}
      <div className="row form-actions">
        <button type="submit" className="primary" disabled={add.isPending || !draft.question.trim()}>
          {add.isPending ? 'Adding…' : 'Add case'}
        </button>
        <StatusNote text={savedNote} />
      </div>
    </form>
  );
}

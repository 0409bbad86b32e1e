import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useServices } from '../../../app-context';
import { ErrorNotice } from '../../../ui/error-notice';
import { TextField } from '../../../ui/field';
import { useExclusiveMutation } from '../../../ui/use-exclusive-mutation';
import { budgetPath, budgetQueryKey, type BudgetLimits, type TenantBudget } from './budgets-api';

const asText = (value: number | null): string => (value === null ? '' : String(value));
/** An empty field is no limit; anything else goes as typed, for the server to judge. */
const asLimit = (text: string): number | null | string => {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : trimmed;
};

/** The three limits; an empty field means no limit. Saving replaces all three (PUT). */
export function BudgetForm(props: { budget: BudgetLimits }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [tokens, setTokens] = useState(asText(props.budget.monthlyTokens));
  const [cost, setCost] = useState(asText(props.budget.monthlyCost));
  const [messages, setMessages] = useState(asText(props.budget.dailyMessagesPerUser));

  const save = useExclusiveMutation({
    mutationFn: () =>
      api.put<TenantBudget>(budgetPath, {
        monthlyTokens: asLimit(tokens),
        monthlyCost: asLimit(cost),
        dailyMessagesPerUser: asLimit(messages),
      }),
    onSuccess: (saved) => queryClient.setQueryData(budgetQueryKey, saved),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    save.mutate();
  }

  return (
    <form className="card stack form" onSubmit={submit} aria-labelledby="budget-form-heading">
      <h2 id="budget-form-heading">Limits</h2>
      <TextField
        label="Monthly token budget"
        field="monthlyTokens"
        error={save.error}
        hint="Tokens in and out of every model call, per calendar month (UTC). Empty: no limit."
        value={tokens}
        onValueChange={setTokens}
        inputMode="numeric"
        autoComplete="off"
      />
      <TextField
        label="Monthly cost budget (USD)"
        field="monthlyCost"
        error={save.error}
        hint="Priced by the platform's model price table; models without a price count as free. Empty: no limit."
        value={cost}
        onValueChange={setCost}
        inputMode="decimal"
        autoComplete="off"
      />
      <TextField
        label="Daily messages per person"
        field="dailyMessagesPerUser"
        error={save.error}
        hint="Messages one person may send a day (UTC), in chat, the API and MCP. Empty: no cap."
        value={messages}
        onValueChange={setMessages}
        inputMode="numeric"
        autoComplete="off"
      />
      {save.error && <ErrorNotice error={save.error} />}
      {save.isSuccess && !save.isPending && <p className="muted">Saved.</p>}
      <div className="row form-actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save limits'}
        </button>
      </div>
    </form>
  );
}

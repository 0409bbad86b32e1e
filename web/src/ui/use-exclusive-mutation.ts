import { useMutation, type DefaultError, type UseMutationOptions, type UseMutationResult } from '@tanstack/react-query';
import { useRef } from 'react';

/**
 * useMutation whose `mutate` ignores a call while the previous one is still running, so a double-click
 * on a submit or confirm button sends one request. Disabling the button on `isPending` is not enough:
 * TanStack Query tells React on a later task (setTimeout 0), so the second click of a double-click lands
 * on a still-enabled button. The ref is set synchronously, before the request starts, and cleared once
 * the mutation settled (its own onSuccess, e.g. a navigation, included).
 */
export function useExclusiveMutation<
  TData = unknown,
  TError = DefaultError,
  TVariables = void,
  TOnMutateResult = unknown,
>(
  options: UseMutationOptions<TData, TError, TVariables, TOnMutateResult>,
): UseMutationResult<TData, TError, TVariables, TOnMutateResult> {
  const mutation = useMutation(options);
  const isInFlight = useRef(false);
  const mutate: typeof mutation.mutate = (...args) => {
    if (isInFlight.current) return;
    isInFlight.current = true;
    // The promise, unlike mutate's callbacks, settles even if the mutation was reset meanwhile. Its error
    // is already in `mutation.error`.
    void mutation
      .mutateAsync(...args)
      .catch(() => undefined)
      .finally(() => {
        isInFlight.current = false;
      });
  };
  return { ...mutation, mutate };
}

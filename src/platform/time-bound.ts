/** What `boundedBy` answers when the time ran out first. */
export const timedOut: unique symbol = Symbol('timed out');

/**
 * `promise`'s value, or `timedOut` once `ms` have passed, whichever comes first; the timer never outlives
 * the race. For waits that must end even when what they wait on does not (a database that hangs).
 */
export async function boundedBy<T>(promise: Promise<T>, ms: number): Promise<T | typeof timedOut> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<typeof timedOut>((resolve) => (timer = setTimeout(resolve, ms, timedOut)));
  try {
    return await Promise.race([promise, elapsed]);
  } finally {
    clearTimeout(timer);
  }
}

/** Each promise's value if it settled within `ms`, else undefined; those still running go on. */
export async function settledWithin<T>(promises: readonly Promise<T>[], ms: number): Promise<(T | undefined)[]> {
  const values: (T | undefined)[] = promises.map(() => undefined);
  await boundedBy(Promise.all(promises.map((promise, index) => promise.then((value) => (values[index] = value)))), ms);
  return [...values];
}

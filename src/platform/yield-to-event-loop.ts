/**
 * Lets timers, sockets and other requests run before going on. PGlite runs each statement
 * synchronously and resolves its promise as a microtask, and the offline embedder is plain
 * computation, so a loop that awaits only those never gives the event loop back: indexing a large
 * document held an embedded server's event loop for seconds (every request, every stream in flight
 * waited). A loop over many such steps awaits this between them; it costs a few microseconds.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Lets timers, sockets and other requests run before going on. The offline embedder is plain
 * computation that answers as a microtask, so a loop that awaits only it never gives the event loop
 * back: embedding a large document held an embedded server's event loop for seconds (every request,
 * every stream in flight waited). A loop over many such steps awaits this between them; it costs a few
 * microseconds. (Database calls need none: their answers arrive from a socket or PGlite's thread.)
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// pg-boss's internal Manager, whose prototype unawaited-outcomes.ts wraps; pg-boss publishes no types for it.
declare module 'pg-boss/src/manager.js' {
  const Manager: { prototype: Record<'complete' | 'fail', (this: unknown, ...args: unknown[]) => Promise<unknown>> };
  export default Manager;
}

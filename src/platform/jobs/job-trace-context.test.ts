import { describe, expect, it } from 'vitest';
import { withoutTraceContext, withTraceContext } from './job-trace-context.js';

describe("a job's trace context", () => {
  it('is not added while tracing is off: the data goes as it was', () => {
    const data = { tenantId: 't', documentId: 'd' };
    expect(withTraceContext(data)).toBe(data);
  });

  it('is taken out before a handler sees the data, whichever node queued it', () => {
    const carrier = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    const { data, carrier: taken } = withoutTraceContext({ tenantId: 't', _trace: carrier });
    expect(data).toEqual({ tenantId: 't' });
    expect(taken).toEqual(carrier);
    expect(withoutTraceContext({ tenantId: 't' })).toEqual({ data: { tenantId: 't' }, carrier: undefined });
  });
});

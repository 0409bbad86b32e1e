/** What a FakeXhr received: enough for a test to check the upload and answer it. */
export interface XhrUpload {
  method: string;
  url: string;
  headers: Record<string, string>;
  file: File | undefined;
  /** Every file of the request (the field `file` repeated). */
  files: File[];
  /** Set when the page aborted the request before its answer arrived. */
  isAborted: boolean;
}

type Answer = { status: number; body?: unknown };

/**
 * Stands in for the browser's XMLHttpRequest in jsdom screen tests (jsdom's own would go to the
 * network): it reports upload progress at half and at the end, then answers with what `respond` returns.
 * Like the browser's, an aborted request reports nothing more: a `respond` that never settles keeps an
 * upload in flight for a test to cancel.
 * Install with `vi.stubGlobal('XMLHttpRequest', createFakeXhr(respond).FakeXhr)`.
 */
export function createFakeXhr(respond: (upload: XhrUpload) => Answer | Promise<Answer>) {
  const uploads: XhrUpload[] = [];

  class FakeXhr {
    upload: { onprogress: ((event: ProgressEvent) => void) | null } = { onprogress: null };
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    onabort: (() => void) | null = null;
    withCredentials = false;
    status = 0;
    statusText = '';
    responseText = '';
    private method = 'GET';
    private url = '';
    private headers: Record<string, string> = {};
    private sent: XhrUpload | undefined;
    private isDone = false;

    open(method: string, url: string) {
      this.method = method;
      this.url = url;
    }
    setRequestHeader(name: string, value: string) {
      this.headers[name.toLowerCase()] = value;
    }
    abort() {
      if (!this.sent || this.isDone || this.sent.isAborted) return;
      this.sent.isAborted = true;
      this.onabort?.();
    }
    send(body: FormData) {
      const file = body.get('file');
      const upload: XhrUpload = {
        method: this.method,
        url: this.url,
        headers: this.headers,
        file: file instanceof File ? file : undefined,
        files: body.getAll('file').filter((each): each is File => each instanceof File),
        isAborted: false,
      };
      this.sent = upload;
      uploads.push(upload);
      const total = upload.file?.size ?? 1;
      void (async () => {
        await Promise.resolve();
        for (const loaded of [total / 2, total]) {
          if (upload.isAborted) return;
          this.upload.onprogress?.({ lengthComputable: true, loaded, total } as ProgressEvent);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        const answer = await respond(upload);
        if (upload.isAborted) return;
        this.isDone = true;
        this.status = answer.status;
        this.responseText = answer.body === undefined ? '' : JSON.stringify(answer.body);
        this.onload?.();
      })();
    }
  }

  return { FakeXhr, uploads };
}

/** A progress bar redrawn in place on a terminal; on a pipe or file, a plain line every 5% and at the end. */
export function createProgressLine(out: NodeJS.WriteStream, total: number, verb = 'files') {
  const isTerminal = out.isTTY === true;
  const width = 30;
  let lastPrinted = -1;
  return {
    update(done: number, label: string) {
      if (isTerminal) {
        const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
        const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
        const columns = (out.columns || 80) - width - 20;
        out.write(`\r\x1b[K[${bar}] ${done}/${total} ${label.slice(-Math.max(10, columns))}`);
        return;
      }
      const step = Math.max(1, Math.ceil(total / 20));
      if (done === total || Math.floor(done / step) > Math.floor(lastPrinted / step)) {
        out.write(`${done}/${total} ${verb}\n`);
        lastPrinted = done;
      }
    },
    done(summary: string) {
      out.write(isTerminal ? `\r\x1b[K${summary}\n` : `${summary}\n`);
    },
  };
}

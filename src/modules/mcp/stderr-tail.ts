/** Keeps only the last bytes a stdio server wrote to stderr, for error messages. */
export class StderrTail {
  private text = '';
  constructor(private readonly maxChars: number) {}
  append(chunk: string): void {
    this.text = (this.text + chunk).slice(-this.maxChars);
  }
  /** The tail with the server's own secret values masked, since a crashing server may print its environment. */
  read(secrets: readonly string[]): string {
    return secrets
      .filter((secret) => secret.length >= 4)
      .reduce((text, secret) => text.split(secret).join('***'), this.text)
      .trim();
  }
}

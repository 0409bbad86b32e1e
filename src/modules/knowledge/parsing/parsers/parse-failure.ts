/**
 * A parser's refusal of a file, with a sentence for the person who uploaded it. Thrown inside the
 * worker thread; the main thread turns it into AppError('unprocessable'). Anything else a parser
 * library throws is the file's fault too, but its text is the library's: it is replaced by a generic
 * sentence naming the format.
 */
export class ParseFailure extends Error {
  override readonly name = 'ParseFailure';
}

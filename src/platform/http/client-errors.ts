import { maxHeaderSize, STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import { problemBody, problemContentType } from './error-handler.js';

/**
 * Errors Node's HTTP parser meets before Fastify sees a request (Fastify's `clientErrorHandler`): a
 * request not sent in full within REQUEST_TIMEOUT_MS, headers past Node's size limit, bytes that are
 * not HTTP. They answer problem+json like every other error, then the connection is closed.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  answerAndClose(socket, clientProblem(error));
}

/**
 * CONNECT asks a proxy for a tunnel, which this server is not. Node hands it to a 'connect' listener,
 * never to Fastify, and with none it drops the connection without a word.
 */
export function answerConnectRequest(request: IncomingMessage, socket: Duplex): void {
  if (socket.destroyed) return;
  answerAndClose(
    socket,
    new AppError('method_not_allowed', `This server is not a proxy: CONNECT ${request.url ?? ''} is not served`),
  );
}

function answerAndClose(socket: Duplex, problem: AppError): void {
  if (socket.writable) {
    const body = JSON.stringify(problemBody(problem, { id: newId() }));
    const { status } = problem;
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${problemContentType}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

function clientProblem(error: NodeJS.ErrnoException): AppError {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new AppError('request_timeout', 'The request was not received in full in time; send it again');
    case 'HPE_HEADER_OVERFLOW':
      // Node counts the request line with the headers, so an over-long URL lands here too.
      return new AppError(
        'headers_too_large',
        `The request's URL and headers are larger than this server accepts (${Math.round(maxHeaderSize / 1024)} KB together); shorten the URL or send the data in the body`,
      );
    default:
      return new AppError('malformed_request', 'The request is not well-formed HTTP');
  }
}

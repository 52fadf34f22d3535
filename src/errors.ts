/**
 * Why a document could not be processed. Every code is permanent: running the
 * same bytes again gives the same answer, so the queue fails the job at once
 * instead of retrying it.
 */
export type FailureReason =
  | 'empty'          // zero bytes, or nothing but white space
  | 'not-text'       // NUL bytes or control characters: binary data, an image, ...
  | 'undecodable'    // bytes that are no supported encoding
  | 'too-large'      // over limits.maxFileBytes
  | 'missing'        // the file vanished after it was enqueued
  | 'unreadable'     // permission denied, or a directory where a file was expected
  | 'special-file'   // a FIFO, device, socket or symbolic link where a file was expected: never read
  | 'unsafe-path'    // a job names a document outside its batch's input folder (a crafted or corrupt job)
  | 'unsafe-output'  // the output path would leave the output folder
  | 'unwritable'     // the output folder refuses the write (permission, read-only)
  | 'no-article'     // an HTML page in which no article text was found
  | 'bad-record'     // a shard record that is not what its format says (not JSON, no text field)
  | 'timeout'        // a stage ran longer than limits.documentTimeoutMs: its thread was replaced
  | 'out-of-memory'  // the document's thread ran out of heap (limits.threadHeapMb)
  | 'internal-error'; // a stage threw: a bug, reported with its message

export class DocumentError extends Error {
  readonly reason: FailureReason;

  constructor(reason: FailureReason, message: string) {
    super(message);
    this.name = 'DocumentError';
    this.reason = reason;
  }
}

/** A user-facing error that the CLI prints as one line, with no stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
